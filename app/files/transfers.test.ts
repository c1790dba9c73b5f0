import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import type { Notification } from '../../shared/protocol/index.ts';
import { waitUntil } from '../../test/support/poll.ts';
import { memoryTransferStore } from '../storage/transferStore.ts';
import type { TransferView } from './ports.ts';
import { FakeDownloads, FakeRoom, FakeSource, patternBytes } from './testFakes.ts';
import { acceptWhenOffered, doneAt, fast, KiB, MiB, startPeer, WINDOW } from './testEngines.ts';
import { isTransferNotification } from './transferNotifications.ts';
import { FileTransfers } from './transfers.ts';

describe('file transfers between engines through a fake room', () => {
  test('a file goes from A to B byte for byte, each chunk sent once, and both sides end done', async () => {
    const room = new FakeRoom();
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    const file = new FakeSource('vidéo 🎬.mp4', patternBytes(3 * MiB + 12_345));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await doneAt(b, id);

    expect(b.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    expect(b.downloads.metas.get(id)!.name).toBe('vidéo 🎬.mp4');
    expect(a.engine.counters).toMatchObject({ bytesSent: file.size, bytesResent: 0 });
    expect(b.engine.counters).toMatchObject({ bytesReceived: file.size, framesDiscarded: 0 });
    await waitUntil(() => a.view(id)?.phase === 'done' && b.view(id)?.phase === 'done', 'both sides done');
    expect(a.view(id)).toMatchObject({ direction: 'out', peerLabel: 'B', bytesDone: file.size });
    expect(file.largestRead).toBeLessThanOrEqual(MiB); // read in pieces, never whole
    expect(a.wakeLock).toEqual({ held: false, taken: 1 }); // held while it ran, released at the end
    a.stop();
    b.stop();
  });

  test('over a link that loses 3 % of frames, the file still arrives exact, and resends stay bounded', async () => {
    const room = new FakeRoom();
    let seed = 42;
    room.random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    room.lossRate = 0.03;
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    const file = new FakeSource('lossy.bin', patternBytes(4 * MiB + 1));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await doneAt(b, id);

    expect(b.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    const lostChunks = Math.round((4 * MiB * 0.03) / (64 * KiB)) + 1; // ~2 losses expected, each costs at most a window
    expect(a.engine.counters.bytesResent).toBeGreaterThan(0);
    expect(a.engine.counters.bytesResent).toBeLessThanOrEqual(4 * lostChunks * WINDOW);
    a.stop();
    b.stop();
  }, 30_000);

  test('sent to everyone (B and C), each chunk is uploaded once for both', async () => {
    const room = new FakeRoom();
    const [a, b, c] = [startPeer(room, 'a', { tuning: { gatherAnswersMs: 5_000 } }), startPeer(room, 'b'), startPeer(room, 'c')];
    await Promise.all([a.start(), b.start(), c.start()]);
    const file = new FakeSource('all.bin', patternBytes(2 * MiB + 100));
    const id = await a.engine.send(file, [{ peerId: 'b' }, { peerId: 'c' }], true);
    await acceptWhenOffered(b);
    await new Promise((resolve) => setTimeout(resolve, 200)); // C answers a moment later, as people do
    await acceptWhenOffered(c);
    await Promise.all([doneAt(b, id), doneAt(c, id)]);

    expect(b.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    expect(c.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    expect(a.engine.counters.bytesSent).toBe(file.size);
    expect(room.sentFrames.every((frame) => frame.audience.join() === 'b,c')).toBe(true);
    await waitUntil(() => a.view(id)?.phase === 'done', 'A done');
    expect(a.view(id)!.peerLabel).toBe('Everyone');
    for (const peer of [a, b, c]) peer.stop();
  });

  test('one who accepts later catches up on its own link and then shares the upload with the others', async () => {
    const room = new FakeRoom();
    const [a, b, c] = [startPeer(room, 'a'), startPeer(room, 'b'), startPeer(room, 'c')];
    await Promise.all([a.start(), b.start(), c.start()]);
    const file = new FakeSource('late.bin', patternBytes(6 * MiB));
    const id = await a.engine.send(file, [{ peerId: 'b' }, { peerId: 'c' }], true);
    await acceptWhenOffered(b);
    await waitUntil(() => (a.view(id)?.bytesDone ?? 0) >= MiB, 'B has 1 MiB');
    let sentWhenCAnswered = 0;
    room.join('a', {
      notification: (method, data) => {
        if (method === 'fileAnswered' && 'peerId' in data && data.peerId === 'c') sentWhenCAnswered = a.engine.counters.bytesSent;
        a.engine.notification(method, data);
      },
      frame: (data) => a.engine.frame(data),
    });
    await acceptWhenOffered(c);
    await Promise.all([doneAt(b, id), doneAt(c, id)]);

    expect(c.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    // C needed again only what B had been sent alone (plus a chunk the pump had in hand when C's answer came).
    expect(sentWhenCAnswered).toBeGreaterThan(0);
    expect(a.engine.counters.bytesSent - file.size).toBeLessThanOrEqual(sentWhenCAnswered + 64 * KiB);
    expect(room.sentFrames.at(-1)!.audience).toEqual(['b', 'c']);
    for (const peer of [a, b, c]) peer.stop();
  }, 30_000);

  test('offering to oneself or to the same peer twice offers once to each other peer; offering to nobody is refused in words', async () => {
    const room = new FakeRoom();
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    await a.engine.send(new FakeSource('x.bin', patternBytes(10)), [{ peerId: 'a' }, { peerId: 'b' }, { peerId: 'b' }], true);
    const offer = room.requests.find((request) => request.method === 'fileOffer')!.data as { to: { peerId: string }[] };
    expect(offer.to).toEqual([{ peerId: 'b' }]);
    await expect(a.engine.send(new FakeSource('x.bin', patternBytes(10)), [{ peerId: 'a' }], false)).rejects.toThrow(/nobody/);
    a.stop();
    b.stop();
  });

  test('a declined offer ends as declined on both sides, and nothing is sent', async () => {
    const room = new FakeRoom();
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    const id = await a.engine.send(new FakeSource('no.bin', patternBytes(MiB)), [{ peerId: 'b' }], false);
    await waitUntil(() => b.view(id)?.phase === 'offered', 'the offer');
    await b.engine.decline(id);
    await waitUntil(() => a.view(id)?.phase === 'declined', 'A sees the decline');
    expect(b.view(id)?.phase).toBe('declined');
    expect(a.engine.counters.bytesSent).toBe(0);
    a.stop();
    b.stop();
  });

  test('a 0-byte file is done right after it is accepted', async () => {
    const room = new FakeRoom();
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    const id = await a.engine.send(new FakeSource('empty.txt', new Uint8Array()), [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await doneAt(b, id);
    expect(b.downloads.sinks.get(id)!.written).toBe(0);
    await waitUntil(() => a.view(id)?.phase === 'done' && b.view(id)?.phase === 'done', 'both done');
    a.stop();
    b.stop();
  });
});

describe('what the UI and tests see', () => {
  test('views come at most 5 times a second while bytes flow, but at once when a phase changes; speed and time left are given', async () => {
    const room = new FakeRoom();
    const a = startPeer(room, 'a');
    const emits: { at: number; phases: string; views: TransferView[] }[] = [];
    // A download that takes 64 KiB per 5 ms or so, so the transfer lasts a couple of seconds.
    const slowDownloads = new FakeDownloads();
    const open = slowDownloads.open.bind(slowDownloads);
    slowDownloads.open = async (transferId, meta) => {
      const sink = await open(transferId, meta);
      const write = sink.write.bind(sink);
      sink.write = async (offset, bytes) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return write(offset, bytes);
      };
      return sink;
    };
    const b = new FileTransfers({
      control: room.control(() => 'b'),
      downloads: slowDownloads,
      store: memoryTransferStore(),
      nameOf: (id) => id,
      onChange: (views) => emits.push({ at: Date.now(), phases: views.map((view) => view.phase).join(), views }),
      tuning: { ...fast, viewThrottleMs: 200 },
      holdWakeLock: () => () => {},
    });
    room.join('b', b);
    await a.start();
    b.sessionStarted(room.links(), 'b');
    b.joined();
    const file = new FakeSource('views.bin', patternBytes(24 * MiB));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await waitUntil(() => emits.at(-1)?.phases === 'offered', 'the offer shown');
    await b.accept(id);
    await waitUntil(() => emits.at(-1)?.phases === 'done', 'done shown', 30_000);

    for (let i = 1; i < emits.length; i++) {
      if (emits[i]!.phases === emits[i - 1]!.phases) expect(emits[i]!.at - emits[i - 1]!.at).toBeGreaterThanOrEqual(190);
    }
    const moving = emits.filter((emit) => emit.views[0]?.phase === 'active' && emit.views[0].bytesPerSecond > 0);
    expect(moving.length).toBeGreaterThan(0);
    const sample = moving.at(-1)!.views[0]!;
    expect(sample.secondsLeft).toBe(Math.ceil((sample.size - sample.bytesDone) / sample.bytesPerSecond));
    expect(emits.at(-1)!.views[0]).toMatchObject({ bytesDone: file.size, bytesPerSecond: 0, secondsLeft: undefined });
    a.stop();
    b.dispose();
  }, 40_000);

  test('the room hands over exactly the file notifications the engine handles (fileLinkOpened is the link layer’s)', () => {
    const notifications: Notification[] = [
      { method: 'fileLinkOpened', data: { linkId: 'l1', dataProducerId: 'd1', from: 'a' } },
      { method: 'fileCancelled', data: { transferId: '00000000-0000-4000-8000-000000000001', by: 'sender' } },
      { method: 'peerLeft', data: { peerId: 'a' } },
    ];
    const handled: string[] = [];
    const engine = { notification: (method: string) => void handled.push(method) } as unknown as FileTransfers;
    for (const notification of notifications)
      if (isTransferNotification(notification)) engine.notification(notification.method, notification.data);
    expect(handled).toEqual(['fileCancelled']);
  });

  test('the counters are on window.__huddleFiles for end-to-end tests', () => {
    const scope = globalThis as unknown as { window?: { __huddleFiles?: unknown } };
    scope.window = {};
    try {
      const engine = new FileTransfers({
        control: new FakeRoom().control(() => 'a'),
        downloads: new FakeDownloads(),
        store: memoryTransferStore(),
        nameOf: (id) => id,
        onChange: () => {},
      });
      expect(scope.window.__huddleFiles).toBe(engine.counters);
    } finally {
      delete scope.window;
    }
  });
});
