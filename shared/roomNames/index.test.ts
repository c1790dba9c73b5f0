import * as v from 'valibot';
import { describe, expect, test, vi } from 'vitest';
import { roomIdSchema } from '../protocol/primitives.ts';
import { ROOM_NAME_BITS, randomRoomName } from './index.ts';
import { WORDS } from './words.ts';

describe('new room names', () => {
  test('carry at least 64 bits: six words from a list of 2048 distinct, speakable words', () => {
    expect(new Set(WORDS).size).toBe(2048);
    for (const word of WORDS) expect(word).toMatch(/^[a-z]{3,8}$/);
    expect(ROOM_NAME_BITS).toBeGreaterThanOrEqual(64);
    const words = randomRoomName().split('-');
    expect(words).toHaveLength(6);
    for (const word of words) expect(WORDS).toContain(word);
  });

  test('come from crypto.getRandomValues, not Math.random', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues');
    const mathRandom = vi.spyOn(Math, 'random');
    randomRoomName();
    expect(spy).toHaveBeenCalledOnce();
    expect(mathRandom).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  test('use the low 11 bits of each random value, so every word is equally likely', () => {
    const name = randomRoomName((values) => values.map((_, index) => 2047 - index + 2048 * index));
    expect(name).toBe([2047, 2046, 2045, 2044, 2043, 2042].map((index) => WORDS[index]).join('-'));
  });

  test('are valid room names the server accepts, and 20 000 of them never repeat', () => {
    const names = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const name = randomRoomName();
      expect(v.parse(roomIdSchema, name)).toBe(name);
      names.add(name);
    }
    expect(names.size).toBe(20_000);
  });
});
