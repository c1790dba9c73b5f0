import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { memoryTransferStore, openTransferStore } from '../storage/transferStore.ts';
import { FakeDownloads, FakeRoom, FakeSource, patternBytes } from './testFakes.ts';
import { acceptWhenOffered, doneAt, MiB, startPeer, WINDOW } from './testEngines.ts';

let dbCount = 0;

describe('file transfers that survive reloads, drops and cancels', () => {
  test('a receiver that reloads midway continues from what it had persisted: one exact download, no byte asked for twice', async () => {
    const room = new FakeRoom();
    const store = (await openTransferStore(`transfers-engine-${++dbCount}`))!;
    const downloads = new FakeDownloads();
    const a = startPeer(room, 'a');
    let b = startPeer(room, 'b', { store, downloads });
    await Promise.all([a.start(), b.start()]);
    const file = new FakeSource('reload.bin', patternBytes(4 * MiB + 777));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await waitUntil(() => (b.view(id)?.bytesDone ?? 0) >= 1.5 * MiB, 'B has persisted 1.5 MiB');
    b.stop(); // the reload
    const persisted = (await store.loadTransfers())[0]!;
    expect(persisted).toMatchObject({ direction: 'in', id });
    const received = persisted.direction === 'in' ? persisted.received : 0;
    expect(received).toBeGreaterThan(0);

    b = startPeer(room, 'b', { store, downloads }); // same store, same service worker download
    await b.start(true);
    await doneAt(b, id);
    expect(downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    const resumes = room.requests.filter((request) => request.method === 'fileResume' && request.from === 'b');
    expect((resumes[0]?.data as { offset: number }).offset).toBe(received);
    expect(b.engine.counters.bytesReceived).toBe(file.size - received);
    expect(await store.loadTransfers()).toEqual([]); // nothing left behind
    a.stop();
    b.stop();
  }, 30_000);

  test('a receiver whose download did not survive the reload says so and tells the sender, never a silent partial file', async () => {
    const room = new FakeRoom();
    const store = memoryTransferStore();
    const downloads = new FakeDownloads();
    const a = startPeer(room, 'a');
    let b = startPeer(room, 'b', { store, downloads });
    await Promise.all([a.start(), b.start()]);
    const id = await a.engine.send(new FakeSource('gone.bin', patternBytes(3 * MiB)), [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await waitUntil(() => (b.view(id)?.bytesDone ?? 0) > 0, 'B received something');
    b.stop();
    downloads.lose(id);

    b = startPeer(room, 'b', { store, downloads });
    await b.start(true);
    expect(b.view(id)).toMatchObject({ phase: 'failed', error: expect.stringMatching(/download was interrupted/) });
    await waitUntil(() => a.view(id)?.phase === 'cancelled', 'the sender learns that B gave up');
    a.stop();
    b.stop();
  });

  test('a sender that reloads asks for the same file again, refuses another one in words, and continues', async () => {
    const room = new FakeRoom();
    const store = (await openTransferStore(`transfers-engine-${++dbCount}`))!;
    let a = startPeer(room, 'a', { store });
    const b = startPeer(room, 'b');
    await Promise.all([a.start(), b.start()]);
    const file = new FakeSource('report.pdf', patternBytes(3 * MiB));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await waitUntil(() => (b.view(id)?.bytesDone ?? 0) >= MiB, 'B has 1 MiB');
    a.stop();

    a = startPeer(room, 'a', { store });
    await a.start(true);
    expect(a.view(id)?.phase).toBe('needs-file');
    const other = patternBytes(3 * MiB, 99);
    await expect(a.engine.provideFile(id, new FakeSource('report.pdf', other))).rejects.toThrow(/content is not the same/);
    await expect(a.engine.provideFile(id, new FakeSource('other.pdf', file.bytes))).rejects.toThrow(/pick “report.pdf”/);
    await a.engine.provideFile(id, new FakeSource('report.pdf', file.bytes));
    await doneAt(b, id);
    expect(b.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    await waitUntil(() => a.view(id)?.phase === 'done', 'A done');
    a.stop();
    b.stop();
  }, 30_000);

  test('cancel on the sender stops the receiver (download aborted), and cancel on the receiver stops the sender', async () => {
    const room = new FakeRoom();
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    const first = await a.engine.send(new FakeSource('one.bin', patternBytes(64 * MiB)), [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await waitUntil(() => (b.view(first)?.bytesDone ?? 0) > 0, 'bytes flow');
    await a.engine.cancel(first);
    await waitUntil(() => b.view(first)?.phase === 'cancelled', 'B sees the cancel');
    expect(b.downloads.sinks.get(first)!.aborted).toBeDefined();
    expect(a.view(first)?.phase).toBe('cancelled');

    const second = await a.engine.send(new FakeSource('two.bin', patternBytes(64 * MiB)), [{ peerId: 'b' }], false);
    await waitUntil(() => b.view(second)?.phase === 'offered', 'the second offer');
    await b.engine.accept(second);
    await waitUntil(() => (b.view(second)?.bytesDone ?? 0) > 0, 'bytes flow');
    await b.engine.cancel(second);
    await waitUntil(() => a.view(second)?.phase === 'cancelled', 'A sees the cancel');
    const sentAtCancel = a.engine.counters.bytesSent;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.engine.counters.bytesSent - sentAtCancel).toBeLessThanOrEqual(WINDOW); // at most what was already planned
    expect(b.downloads.sinks.get(second)!.aborted).toBeDefined();
    a.stop();
    b.stop();
  }, 30_000);

  test('the sender’s connection drops midway: the transfer continues when it is back, re-sending at most one window', async () => {
    const room = new FakeRoom();
    const [a, b] = [startPeer(room, 'a'), startPeer(room, 'b')];
    await Promise.all([a.start(), b.start()]);
    const file = new FakeSource('drop.bin', patternBytes(5 * MiB));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await waitUntil(() => (b.view(id)?.bytesDone ?? 0) >= 2 * MiB, 'B has 40 %');
    await a.reconnect('a-again', 300);
    await doneAt(b, id);

    expect(b.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    expect(a.engine.counters.bytesResent).toBeLessThanOrEqual(WINDOW);
    expect(a.engine.counters.bytesSent).toBeLessThanOrEqual(file.size + WINDOW);
    a.stop();
    b.stop();
  }, 30_000);
});
