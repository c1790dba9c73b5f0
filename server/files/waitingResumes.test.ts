import { describe, expect, test } from 'vitest';
import { MAX_WAITING_RESUMES, RESUME_WAIT_MS, WaitingResumes } from './waitingResumes.ts';

describe('resumes waiting for their offer', () => {
  test('one is taken once, by its transfer and key only', () => {
    const waiting = new WaitingResumes();
    waiting.add('t1', 'key-bob', { peerId: 'bob-2', offset: 42, at: 0 });
    expect(waiting.take('t1', 'key-eve', 10)).toBeUndefined();
    expect(waiting.take('t2', 'key-bob', 10)).toBeUndefined();
    expect(waiting.take('t1', 'key-bob', 10)).toEqual({ peerId: 'bob-2', offset: 42, at: 0 });
    expect(waiting.take('t1', 'key-bob', 10)).toBeUndefined();
    expect(waiting.size).toBe(0);
  });

  test('a newer resume of the same recipient replaces the older; stale ones are swept', () => {
    const waiting = new WaitingResumes();
    waiting.add('t1', 'key-bob', { peerId: 'bob-2', offset: 42, at: 0 });
    waiting.add('t1', 'key-bob', { peerId: 'bob-3', offset: 99, at: 1_000 });
    waiting.add('t2', 'key-cat', { peerId: 'cat-2', offset: 0, at: 0 });
    expect(waiting.size).toBe(2);
    waiting.sweep(RESUME_WAIT_MS + 500);
    expect(waiting.size).toBe(1);
    expect(waiting.take('t1', 'key-bob', RESUME_WAIT_MS + 500)).toMatchObject({ peerId: 'bob-3', offset: 99 });
  });

  test('a flood of resumes for transfers that never come keeps only the newest few', () => {
    const waiting = new WaitingResumes();
    for (let index = 0; index < MAX_WAITING_RESUMES + 50; index++) waiting.add(`t${index}`, 'key', { peerId: 'p', offset: 0, at: index });
    expect(waiting.size).toBe(MAX_WAITING_RESUMES);
    expect(waiting.take('t0', 'key', 100)).toBeUndefined();
    expect(waiting.take(`t${MAX_WAITING_RESUMES + 49}`, 'key', 100)).toBeDefined();
  });
});
