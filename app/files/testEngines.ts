import { waitUntil } from '../../test/support/poll.ts';
import { memoryTransferStore, type TransferStore } from '../storage/transferStore.ts';
import type { TransferView } from './ports.ts';
import { FakeDownloads, FakeRoom } from './testFakes.ts';
import { FileTransfers } from './transfers.ts';
import type { Tuning } from './tuning.ts';

/* Engines in a fake room, for the engine's tests (transfers*.test.ts). */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const WINDOW = 512 * KiB;

/** The same behaviour, faster: short timers and a smaller window. */
export const fast: Partial<Tuning> = {
  sendWindow: WINDOW,
  goBackAfterMs: 300,
  gatherAnswersMs: 300,
  stallCheckMs: 50,
  flushMs: 10,
  flushBytes: 256 * KiB,
  holdAckRepeatMs: 100,
  gapResumeIntervalMs: 100,
  idleResumeMs: 400,
  resumeRetryMs: 100,
  viewThrottleMs: 0,
};

export type Peer = ReturnType<typeof startPeer>;

/** A page in the room: an engine joined and in a media session. */
export function startPeer(
  room: FakeRoom,
  peerId: string,
  keep: { store?: TransferStore; downloads?: FakeDownloads; tuning?: Partial<Tuning> } = {},
) {
  const downloads = keep.downloads ?? new FakeDownloads();
  const store = keep.store ?? memoryTransferStore();
  let views: TransferView[] = [];
  const wakeLock = { held: false, taken: 0 };
  let me = peerId;
  const engine = new FileTransfers({
    control: room.control(() => me),
    downloads,
    store,
    nameOf: (id) => id.toUpperCase(),
    onChange: (latest) => (views = latest),
    tuning: { ...fast, ...keep.tuning },
    holdWakeLock: () => {
      wakeLock.held = true;
      wakeLock.taken++;
      return () => (wakeLock.held = false);
    },
  });
  room.join(peerId, engine);
  let links = room.links();
  const start = async (restore = false) => {
    if (restore) await engine.restore();
    engine.sessionStarted(links, me);
    engine.joined();
  };
  /** The connection dropped and came back under a new peer id (the page stayed). */
  const reconnect = async (newId: string, awayMs: number) => {
    engine.sessionEnded();
    room.leave(me);
    for (const link of links.made) link.close();
    await new Promise((resolve) => setTimeout(resolve, awayMs));
    me = newId;
    room.join(me, engine);
    links = room.links();
    engine.sessionStarted(links, me);
    engine.joined();
  };
  /** The page goes away (a reload or a dropped connection): its links close, the room forgets it. */
  const stop = () => {
    engine.dispose();
    room.leave(peerId);
    for (const link of links.made) link.close();
  };
  const view = (id?: string) => (id ? views.find((candidate) => candidate.id === id) : views[0]);
  return {
    peerId,
    engine,
    downloads,
    store,
    wakeLock,
    start,
    stop,
    reconnect,
    view,
    get views() {
      return views;
    },
  };
}

export async function acceptWhenOffered(receiver: Peer) {
  await waitUntil(() => receiver.view()?.phase === 'offered', `an offer at ${receiver.peerId}`);
  await receiver.engine.accept(receiver.view()!.id);
}

export async function doneAt(receiver: Peer, id: string) {
  await waitUntil(() => receiver.downloads.sinks.get(id)?.closed === true, `the download at ${receiver.peerId} saved`, 20_000);
}
