import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { deleteSharedFiles, lastRoom, listSharedFiles, putSharedFiles, rememberRoom, takeSharedFiles } from './sharedFiles.ts';

const DAY = 24 * 60 * 60_000;

describe('files shared into the app', () => {
  test('a share is taken once, with its files as they were', async () => {
    const id = await putSharedFiles([new File(['hello'], 'notes – été.txt', { type: 'text/plain' }), new File([new Uint8Array(3)], 'b.bin')]);
    const files = await takeSharedFiles(id);
    expect(files.map((file) => [file.name, file.type, file.size])).toEqual([
      ['notes – été.txt', 'text/plain', 5],
      ['b.bin', '', 3],
    ]);
    expect(await files[0]?.text()).toBe('hello');
    expect(await takeSharedFiles(id)).toEqual([]);
  });

  test('shares are listed oldest first; a dismissed one is gone; one untaken for a day is forgotten at the next share', async () => {
    const now = Date.now();
    const old = await putSharedFiles([new File(['x'], 'old.txt')], now - 2 * DAY);
    const dismissed = await putSharedFiles([new File(['y'], 'dismissed.txt')], now - DAY / 2);
    await deleteSharedFiles(dismissed);
    const recent = await putSharedFiles([new File(['z'], 'recent.txt')], now);
    const ids = (await listSharedFiles()).map((share) => share.id);
    expect(ids).toContain(recent);
    expect(ids).not.toContain(old);
    expect(ids).not.toContain(dismissed);
  });

  test('the last room is remembered', async () => {
    expect(await lastRoom()).toBeUndefined();
    await rememberRoom('standup');
    await rememberRoom('retro');
    expect(await lastRoom()).toBe('retro');
  });
});
