import { afterEach, describe, expect, test } from 'vitest';
import type { Notification, RequestData } from '../../shared/protocol/index.ts';
import { FileTransfers, IDLE_EXPIRY_MS, MAX_SENDING_PER_PEER, type FileParty } from './registry.ts';
import { FileStats } from './stats.ts';
import { keyOf } from './transfer.ts';

/** A peer that records what it is told while connected (a Peer's notify reaches nobody during its grace period). */
class FakeParty implements FileParty {
  readonly id: string;
  readonly name: string;
  connected = true;
  readonly told: Notification[] = [];

  constructor(id: string, name: string) {
    this.id = id;
    this.name = name;
  }

  notify(notification: Notification): void {
    if (this.connected) this.told.push(notification);
  }

  /** What it was told with this method, data only. */
  heard(method: Notification['method']): unknown[] {
    return this.told.filter((notification) => notification.method === method).map((notification) => notification.data);
  }
}

const TRANSFER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const SENDER_SECRET = 'sender-secret-0123456789abcdef';
const BOB_SECRET = 'bob-secret-0123456789abcdefgh';
const CAT_SECRET = 'cat-secret-0123456789abcdefgh';
const META = { name: 'holiday video.mp4', size: 1_000_000, type: 'video/mp4', firstChunkSha256: 'a'.repeat(64) };

let registries: FileTransfers[] = [];
afterEach(() => {
  for (const registry of registries) registry.dispose();
  registries = [];
});

/** A room with Ann (sender), Bob and Cat, a registry on a clock the test moves, and Ann's file offered to Bob and Cat. */
function roomWithOffer() {
  const peers = new Map<string, FakeParty>();
  const join = (id: string, name: string) => {
    const party = new FakeParty(id, name);
    peers.set(id, party);
    return party;
  };
  const [ann, bob, cat] = [join('ann-1', 'Ann'), join('bob-1', 'Bob'), join('cat-1', 'Cat')];
  const clock = { now: 1_000_000 };
  const stats = new FileStats();
  const files = new FileTransfers('test-room', peers, stats, () => clock.now);
  registries.push(files);
  const offer = (from: FileParty, extra: Partial<RequestData<'fileOffer'>> = {}) =>
    files.offer(from, { transferId: TRANSFER, secret: SENDER_SECRET, meta: META, to: [{ peerId: 'bob-1' }, { peerId: 'cat-1' }], ...extra });
  offer(ann);
  return { peers, join, ann, bob, cat, clock, stats, files, offer };
}

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'ok';
};

describe('offer and answer', () => {
  test('recipients are offered the file; their answers reach the sender with their keys', () => {
    const { ann, bob, cat, files } = roomWithOffer();
    const offered = { transferId: TRANSFER, from: { peerId: 'ann-1', name: 'Ann', key: keyOf(SENDER_SECRET) }, meta: META };
    expect(bob.heard('fileOffered')).toEqual([offered]);
    expect(cat.heard('fileOffered')).toEqual([offered]);
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    files.answer(cat, { transferId: TRANSFER, accept: false, secret: CAT_SECRET });
    expect(ann.heard('fileAnswered')).toEqual([
      { transferId: TRANSFER, peerId: 'bob-1', accept: true, key: keyOf(BOB_SECRET) },
      { transferId: TRANSFER, peerId: 'cat-1', accept: false, key: keyOf(CAT_SECRET) },
    ]);
    // A change of mind is refused (cancel instead); the same answer again is relayed again.
    expect(codeOf(() => files.answer(bob, { transferId: TRANSFER, accept: false, secret: BOB_SECRET }))).toBe('bad_state');
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    expect(ann.heard('fileAnswered')).toHaveLength(3);
    expect(files.activeCount).toBe(1);
    // Once he cancelled, accepting again does not bring his part back.
    files.cancel(bob, { transferId: TRANSFER, secret: BOB_SECRET });
    expect(codeOf(() => files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET }))).toBe('bad_state');
    expect(ann.heard('fileAnswered')).toHaveLength(3);
    expect(files.activeCount).toBe(0);
  });

  test('an offer to yourself, to nobody here, or the same id with another secret or another file is refused', () => {
    const { ann, files, offer } = roomWithOffer();
    const other = '1f8fad5b-d9cb-469f-a165-70867728950e';
    expect(codeOf(() => offer(ann, { transferId: other, to: [{ peerId: 'ann-1' }] }))).toBe('bad_request');
    expect(codeOf(() => offer(ann, { transferId: other, to: [{ peerId: 'gone-1' }] }))).toBe('not_found');
    expect(codeOf(() => offer(ann, { secret: 'someone-elses-secret-0123456' }))).toBe('not_found');
    expect(codeOf(() => offer(ann, { meta: { ...META, size: 2 } }))).toBe('bad_request');
    expect(files.activeCount).toBe(1);
  });

  test('a peer sends at most so many files at once', () => {
    const { ann, files } = roomWithOffer();
    const id = (index: number) => `${String(index).padStart(8, '0')}-d9cb-469f-a165-70867728950e`;
    for (let index = 1; index < MAX_SENDING_PER_PEER; index++) {
      files.offer(ann, { transferId: id(index), secret: SENDER_SECRET, meta: META, to: [{ peerId: 'bob-1' }] });
    }
    expect(codeOf(() => files.offer(ann, { transferId: id(999), secret: SENDER_SECRET, meta: META, to: [{ peerId: 'bob-1' }] }))).toBe(
      'rate_limited',
    );
  });
});

describe('rebinding by secret', () => {
  test('a sender back with a new peer id re-offers: it is rebound, and only the unanswered recipient is offered again', () => {
    const { bob, cat, join, files, offer } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    const annAgain = join('ann-2', 'Ann');
    const reply = offer(annAgain, { to: [{ peerId: 'bob-1', key: keyOf(BOB_SECRET) }, { peerId: 'cat-1' }] });
    expect(reply.recipients).toEqual([
      { peerId: 'bob-1', key: keyOf(BOB_SECRET), connected: true },
      { peerId: 'cat-1', connected: true },
    ]);
    expect(bob.heard('fileOffered')).toHaveLength(1);
    expect(cat.heard('fileOffered')).toHaveLength(2);
    expect(cat.heard('fileOffered')[1]).toMatchObject({ from: { peerId: 'ann-2' } });
    // Messages for the sender now go to its new peer.
    files.ack(bob, { transferId: TRANSFER, offset: 65536 });
    expect(annAgain.heard('fileAcked')).toEqual([{ transferId: TRANSFER, peerId: 'bob-1', key: keyOf(BOB_SECRET), offset: 65536 }]);
  });

  test('after a server restart, the re-offer restores the recipients that had accepted, and they rebind with fileResume', () => {
    const peers = new Map<string, FakeParty>();
    const ann = new FakeParty('ann-9', 'Ann');
    const bob = new FakeParty('bob-9', 'Bob');
    peers.set(ann.id, ann).set(bob.id, bob);
    const files = new FileTransfers('test-room', peers, new FileStats());
    registries.push(files);
    // Bob's old peer id is gone with the old server; his key is what the sender remembers.
    const to = [{ peerId: 'bob-1', key: keyOf(BOB_SECRET) }];
    const reply = files.offer(ann, { transferId: TRANSFER, secret: SENDER_SECRET, meta: META, to });
    expect(reply.recipients).toEqual([{ peerId: 'bob-1', key: keyOf(BOB_SECRET), connected: false }]);
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 10 }))).toBe('not_found'); // not bound to him yet
    files.resume(bob, { transferId: TRANSFER, secret: BOB_SECRET, offset: 300_000 });
    expect(ann.heard('fileResumeFrom')).toEqual([{ transferId: TRANSFER, peerId: 'bob-9', key: keyOf(BOB_SECRET), offset: 300_000 }]);
    files.ack(bob, { transferId: TRANSFER, offset: 400_000 });
    expect(ann.heard('fileAcked')).toHaveLength(1);
  });

  test('after a server restart, a recipient asking to resume before the re-offer is resumed as soon as the offer comes', () => {
    const peers = new Map<string, FakeParty>();
    const ann = new FakeParty('ann-9', 'Ann');
    const bob = new FakeParty('bob-9', 'Bob');
    const eve = new FakeParty('eve-9', 'Eve');
    peers.set(ann.id, ann).set(bob.id, bob).set(eve.id, eve);
    const clock = { now: 1_000_000 };
    const files = new FileTransfers('test-room', peers, new FileStats(), () => clock.now);
    registries.push(files);
    // Bob is back first: the transfer is not here yet. Eve asks too, with a secret of her own.
    expect(codeOf(() => files.resume(bob, { transferId: TRANSFER, secret: BOB_SECRET, offset: 300_000 }))).toBe('not_found');
    expect(codeOf(() => files.resume(eve, { transferId: TRANSFER, secret: CAT_SECRET, offset: 0 }))).toBe('not_found');
    clock.now += 5_000;
    const to = [{ peerId: 'bob-1', key: keyOf(BOB_SECRET) }];
    const reply = files.offer(ann, { transferId: TRANSFER, secret: SENDER_SECRET, meta: META, to });
    // Bound to Bob's new peer at once, and the sender told where to go on from, without Bob asking again.
    expect(reply.recipients).toEqual([{ peerId: 'bob-9', key: keyOf(BOB_SECRET), connected: true }]);
    expect(ann.heard('fileResumeFrom')).toEqual([{ transferId: TRANSFER, peerId: 'bob-9', key: keyOf(BOB_SECRET), offset: 300_000 }]);
    files.ack(bob, { transferId: TRANSFER, offset: 400_000 });
    // Eve's key is not one the sender named: she is no party to it.
    expect(codeOf(() => files.ack(eve, { transferId: TRANSFER, offset: 10 }))).toBe('not_found');
  });

  test('a resume that waited over a minute for its offer is forgotten; the recipient rebinds with its next one', () => {
    const peers = new Map<string, FakeParty>();
    const ann = new FakeParty('ann-9', 'Ann');
    const bob = new FakeParty('bob-9', 'Bob');
    peers.set(ann.id, ann).set(bob.id, bob);
    const clock = { now: 1_000_000 };
    const files = new FileTransfers('test-room', peers, new FileStats(), () => clock.now);
    registries.push(files);
    expect(codeOf(() => files.resume(bob, { transferId: TRANSFER, secret: BOB_SECRET, offset: 300_000 }))).toBe('not_found');
    clock.now += 61_000;
    const to = [{ peerId: 'bob-1', key: keyOf(BOB_SECRET) }];
    expect(files.offer(ann, { transferId: TRANSFER, secret: SENDER_SECRET, meta: META, to }).recipients).toEqual([
      { peerId: 'bob-1', key: keyOf(BOB_SECRET), connected: false },
    ]);
    expect(ann.heard('fileResumeFrom')).toEqual([]);
  });

  test('a resume with a secret nobody holds is not found; while the sender is away it says so, and rebinds all the same', () => {
    const { ann, bob, join, files } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    expect(codeOf(() => files.resume(bob, { transferId: TRANSFER, secret: CAT_SECRET, offset: 0 }))).toBe('not_found');
    expect(codeOf(() => files.resume(bob, { transferId: TRANSFER, secret: SENDER_SECRET, offset: 0 }))).toBe('not_found');
    ann.connected = false;
    const bobAgain = join('bob-2', 'Bob');
    expect(codeOf(() => files.resume(bobAgain, { transferId: TRANSFER, secret: BOB_SECRET, offset: 1000 }))).toBe('not_found');
    expect(ann.heard('fileResumeFrom')).toEqual([]);
    // His old peer can no longer speak for him; his new one can.
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 2000 }))).toBe('not_found');
    files.ack(bobAgain, { transferId: TRANSFER, offset: 2000 });
  });
});

describe('what a party missed while away', () => {
  test('a sender offering again, or resuming its socket, is told how far each running recipient got', () => {
    const { ann, bob, cat, join, files, offer } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    files.answer(cat, { transferId: TRANSFER, accept: true, secret: CAT_SECRET });
    ann.connected = false; // these acks are lost on the way
    files.ack(bob, { transferId: TRANSFER, offset: 400_000 });
    files.ack(cat, { transferId: TRANSFER, offset: 200_000 });
    files.cancel(cat, { transferId: TRANSFER, secret: CAT_SECRET });
    ann.connected = true;
    files.peerResumed(ann);
    const bobAt400k = { transferId: TRANSFER, peerId: 'bob-1', key: keyOf(BOB_SECRET), offset: 400_000 };
    expect(ann.heard('fileAcked')).toEqual([bobAt400k]); // Cat's part is over
    const annReloaded = join('ann-2', 'Ann');
    offer(annReloaded, { to: [{ peerId: 'bob-1', key: keyOf(BOB_SECRET) }] });
    files.remindSender(TRANSFER);
    expect(annReloaded.heard('fileAcked')).toEqual([bobAt400k]);
  });

  test('a recipient resuming its socket is told again of an offer it has not answered and of the digest it missed', () => {
    const { ann, bob, cat, files } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    bob.connected = false;
    cat.connected = false;
    files.done(ann, { transferId: TRANSFER, key: keyOf(BOB_SECRET), sha256: 'e'.repeat(64) });
    bob.connected = true;
    cat.connected = true;
    files.peerResumed(bob);
    files.peerResumed(cat);
    expect(bob.heard('fileDone')).toEqual([{ transferId: TRANSFER, sha256: 'e'.repeat(64) }]);
    expect(bob.heard('fileOffered')).toHaveLength(1);
    expect(cat.heard('fileOffered')).toHaveLength(2);
  });
});

describe('acknowledged offsets', () => {
  test('only the bound recipient acknowledges, never backwards, never past the end', () => {
    const { ann, bob, cat, files } = roomWithOffer();
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 1 }))).toBe('not_found'); // not answered yet
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    files.ack(bob, { transferId: TRANSFER, offset: 500_000 });
    files.ack(bob, { transferId: TRANSFER, offset: 500_000 });
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 499_999 }))).toBe('bad_request');
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: META.size + 1 }))).toBe('bad_request');
    expect(codeOf(() => files.ack(cat, { transferId: TRANSFER, offset: 10 }))).toBe('not_found');
    expect(codeOf(() => files.ack(ann, { transferId: TRANSFER, offset: 10 }))).toBe('not_found');
    expect(ann.heard('fileAcked').map((data) => (data as { offset: number }).offset)).toEqual([500_000, 500_000]);
  });
});

describe('done and verified', () => {
  test('the sender says done to one recipient by key; its verdict comes back; a match counts as completed once', () => {
    const { ann, bob, cat, files, stats } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    files.answer(cat, { transferId: TRANSFER, accept: true, secret: CAT_SECRET });
    const sha256 = 'b'.repeat(64);
    expect(codeOf(() => files.verified(bob, { transferId: TRANSFER, ok: true }))).toBe('bad_state'); // before done
    expect(codeOf(() => files.done(bob, { transferId: TRANSFER, key: keyOf(BOB_SECRET), sha256 }))).toBe('not_found'); // not the sender
    files.done(ann, { transferId: TRANSFER, key: keyOf(BOB_SECRET), sha256 });
    expect(bob.heard('fileDone')).toEqual([{ transferId: TRANSFER, sha256 }]);
    expect(cat.heard('fileDone')).toEqual([]);
    files.verified(bob, { transferId: TRANSFER, ok: true });
    files.verified(bob, { transferId: TRANSFER, ok: true });
    expect(ann.heard('fileVerified')).toEqual([
      { transferId: TRANSFER, peerId: 'bob-1', key: keyOf(BOB_SECRET), ok: true },
      { transferId: TRANSFER, peerId: 'bob-1', key: keyOf(BOB_SECRET), ok: true },
    ]);
    expect(stats.completed).toBe(1);
    expect(files.activeCount).toBe(1); // Cat's part is still running
    files.done(ann, { transferId: TRANSFER, key: keyOf(CAT_SECRET), sha256 });
    files.verified(cat, { transferId: TRANSFER, ok: false });
    expect(stats.completed).toBe(1);
    expect(files.activeCount).toBe(0);
  });
});

describe('cancel', () => {
  test('by the sender: every recipient whose part was running is told, and the transfer is no longer active', () => {
    const { ann, bob, cat, files } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    files.answer(cat, { transferId: TRANSFER, accept: false, secret: CAT_SECRET });
    expect(codeOf(() => files.cancel(bob, { transferId: TRANSFER, secret: 'not-a-party-secret-012345' }))).toBe('not_found');
    files.cancel(ann, { transferId: TRANSFER, secret: SENDER_SECRET });
    expect(bob.heard('fileCancelled')).toEqual([{ transferId: TRANSFER, by: 'sender' }]);
    expect(cat.heard('fileCancelled')).toEqual([]); // she had declined
    expect(files.activeCount).toBe(0);
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 1 }))).toBe('bad_state');
  });

  test('by a recipient: only its part ends, and the sender is told which', () => {
    const { ann, bob, cat, files } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    files.answer(cat, { transferId: TRANSFER, accept: true, secret: CAT_SECRET });
    files.cancel(bob, { transferId: TRANSFER, secret: BOB_SECRET });
    expect(ann.heard('fileCancelled')).toEqual([{ transferId: TRANSFER, by: 'receiver', key: keyOf(BOB_SECRET) }]);
    expect(cat.heard('fileCancelled')).toEqual([]);
    files.ack(cat, { transferId: TRANSFER, offset: 1 });
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 1 }))).toBe('bad_state');
    expect(files.activeCount).toBe(1);
  });
});

describe('expiry', () => {
  test('a transfer idle for too long is dropped and the parties present are told; one kept busy stays', () => {
    const { ann, bob, cat, clock, files } = roomWithOffer();
    files.answer(bob, { transferId: TRANSFER, accept: true, secret: BOB_SECRET });
    clock.now += IDLE_EXPIRY_MS - 1000;
    files.ack(bob, { transferId: TRANSFER, offset: 1 }); // activity
    clock.now += IDLE_EXPIRY_MS - 1000;
    files.sweep();
    expect(files.activeCount).toBe(1);
    cat.connected = false; // in her grace period: the notice is lost
    clock.now += 2000;
    files.sweep();
    expect(files.activeCount).toBe(0);
    for (const party of [ann, bob]) expect(party.heard('fileCancelled')).toEqual([{ transferId: TRANSFER, by: 'server' }]);
    expect(cat.heard('fileCancelled')).toEqual([]);
    expect(codeOf(() => files.ack(bob, { transferId: TRANSFER, offset: 2 }))).toBe('not_found');
  });
});
