import type { Redis } from 'ioredis';
import { beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { useRedis } from '../testing/redis.ts';
import { RedisChatStore } from './redisStore.ts';

const HOUR = 3600_000;
const redis = useRedis();
/** The test's own connection, to see what Redis holds. */
let raw: Redis;

/** The store as one server has it: its own connection and clock. Two of them are two servers of one service. */
async function serverStore(serverId: string, clock = { now: 1_000_000 }) {
  const connection = await redis.connect('commands');
  return { store: new RedisChatStore(connection, serverId, () => clock.now), clock, connection };
}

const message = (id: string, text = `text of ${id}`, peerId = 'peer-1') => ({ id, peerId, name: 'Ann', text });

beforeAll(async () => {
  raw = await redis.connect();
});
beforeEach(async () => {
  await raw.flushall();
});

describe('numbering across servers', () => {
  test('two servers appending to one room at once get 1…N, each number once, each in its own order', async () => {
    const { store: one } = await serverStore('server-1');
    const { store: two } = await serverStore('server-2');
    const count = 200;
    const appended = await Promise.all([
      ...Array.from({ length: count }, (_, index) => one.append('room', message(`one-${String(index).padStart(4, '0')}`))),
      ...Array.from({ length: count }, (_, index) => two.append('room', message(`two-${String(index).padStart(4, '0')}`))),
    ]);
    const seqs = appended.map(({ message: stored }) => stored.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 2 * count }, (_, index) => index + 1));
    expect(appended.every(({ duplicate }) => !duplicate)).toBe(true);
    // Each server's messages keep the order it sent them in (one connection is one ordered stream).
    const history = await one.history('room', 0, 500);
    expect(history.map((stored) => stored.seq)).toEqual(seqs);
    for (const prefix of ['one-', 'two-']) {
      const ids = history.filter((stored) => stored.id.startsWith(prefix)).map((stored) => stored.id);
      expect(ids).toEqual([...ids].sort());
    }
    expect(await two.lastSeq('room')).toBe(2 * count);
    expect(await one.lastSeq('another-room')).toBe(0);
  });
});

describe('deduplication by message id', () => {
  test('a resend through the other server (a client that reconnected there) gets the first copy; nothing is stored twice', async () => {
    const { store: one } = await serverStore('server-1');
    const { store: two, clock } = await serverStore('server-2');
    const first = await one.append('room', message('sent-twice', 'first'));
    clock.now += 5_000;
    const resend = await two.append('room', message('sent-twice', 'edited on resend'));
    expect(resend).toEqual({ message: first.message, duplicate: true });
    expect(first.message).toEqual({ seq: 1, id: 'sent-twice', peerId: 'peer-1', name: 'Ann', text: 'first', at: 1_000_000 });
    expect((await two.append('room', message('next-one'))).message.seq).toBe(2);
    expect(await one.find('room', 'sent-twice')).toEqual(first.message);
    expect(await one.find('room', 'never-sent')).toBeUndefined();
    // The same id in another room is another message.
    expect((await one.append('other-room', message('sent-twice'))).duplicate).toBe(false);
  });

  test('many resends of one message at once through both servers store it once', async () => {
    const { store: one } = await serverStore('server-1');
    const { store: two } = await serverStore('server-2');
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? one : two).append('room', message('racing-resend'))));
    expect(results.filter(({ duplicate }) => !duplicate)).toHaveLength(1);
    expect(new Set(results.map(({ message: stored }) => stored.seq))).toEqual(new Set([1]));
    expect(await one.history('room', 0, 10)).toHaveLength(1);
  });
});

describe('history', () => {
  test('gives messages after a seq, oldest first, at most the limit, with text that needs escaping intact', async () => {
    const { store } = await serverStore('server-1');
    const tricky = 'quote " backslash \\ newline \n emoji 😀 and "seq":99';
    for (let index = 1; index <= 7; index++) await store.append('room', message(`page-000${index}`, index === 4 ? tricky : `text ${index}`));
    expect((await store.history('room', 0, 3)).map((stored) => stored.seq)).toEqual([1, 2, 3]);
    expect((await store.history('room', 3, 3)).map((stored) => [stored.seq, stored.text])).toEqual([
      [4, tricky],
      [5, 'text 5'],
      [6, 'text 6'],
    ]);
    expect((await store.history('room', 6, 3)).map((stored) => stored.seq)).toEqual([7]);
    expect(await store.history('room', 7, 3)).toEqual([]);
  });
});

describe('retention', () => {
  test('history goes once its room has been empty on every server for the retention time; numbers are not reused', async () => {
    const clock = { now: 1_000_000 };
    const { store: one } = await serverStore('server-1', clock);
    const { store: two } = await serverStore('server-2', clock);
    await one.roomOccupied('room');
    await two.roomOccupied('room');
    await one.append('room', message('old-message-1'));
    await one.roomEmptied('room'); // server 2 still has people in it
    clock.now += 48 * HOUR;
    expect(await one.sweep(24 * HOUR)).toBe(0);
    expect(await two.history('room', 0, 10)).toHaveLength(1);

    await two.roomEmptied('room');
    clock.now += 24 * HOUR - 1;
    expect(await one.sweep(24 * HOUR)).toBe(0);
    clock.now += 1;
    expect(await two.sweep(24 * HOUR)).toBe(1);
    expect(await one.history('room', 0, 10)).toEqual([]);
    expect(await one.lastSeq('room')).toBe(1);
    expect((await two.append('room', message('new-message-1'))).message.seq).toBe(2);
  });

  test('a room that fills again before the time is up keeps its history', async () => {
    const { store } = await serverStore('server-1');
    const { store: other, clock } = await serverStore('server-2');
    await store.roomOccupied('room');
    await store.append('room', message('kept-message-1'));
    await store.roomEmptied('room');
    clock.now += 23 * HOUR;
    await other.roomOccupied('room'); // someone comes back, through the other server
    clock.now += 2 * HOUR;
    expect(await other.sweep(24 * HOUR)).toBe(0);
    expect(await store.history('room', 0, 10)).toHaveLength(1);
  });

  test('a server that died with people in a room does not keep its history forever', async () => {
    const clock = { now: 1_000_000 };
    const { store: dead } = await serverStore('server-dead', clock);
    const { store: survivor } = await serverStore('server-alive', clock);
    await dead.roomOccupied('room');
    await dead.append('room', message('said-before-the-crash'));
    await survivor.forgetServer('server-dead'); // its heartbeats ran out (cluster/registry.ts)
    clock.now += 24 * HOUR;
    expect(await survivor.sweep(24 * HOUR)).toBe(1);
    expect(await survivor.lastSeq('room')).toBe(1);
  });
});
