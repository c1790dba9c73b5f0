import { describe, expect, test } from 'vitest';
import { byteRate, checkQuota, persistStorageOnce, quotaVerdict, STOPPED_MESSAGE } from './quota.ts';

const MB = 1_000_000;
/** ~2 Mbit/s, what Chromium records a 720p canvas at (../shared/notes/recording.md). */
const RATE = 250_000;

describe('storage while recording', () => {
  test('plenty of room: nothing to say', () => {
    expect(quotaVerdict({ usage: 100 * MB, quota: 10_000 * MB }, RATE)).toEqual({ kind: 'ok' });
  });

  test('under ten minutes left: a warning that says how many minutes of recording remain', () => {
    // 90 MB free at 250 kB/s = 360 s; less the stop margin (15 s) = 5 whole minutes.
    expect(quotaVerdict({ usage: 910 * MB, quota: 1_000 * MB }, RATE)).toEqual({
      kind: 'warn',
      minutesLeft: 5,
      message: 'Storage is nearly full: about 5 minutes of recording left.',
    });
    expect(quotaVerdict({ usage: 970 * MB, quota: 1_000 * MB }, RATE)).toMatchObject({ message: 'Storage is nearly full: about 1 minute of recording left.' });
  });

  test('nearly nothing left: stop, in words, while what was recorded can still be kept', () => {
    expect(quotaVerdict({ usage: 997 * MB, quota: 1_000 * MB }, RATE)).toEqual({ kind: 'stop', message: STOPPED_MESSAGE });
    // However slow the recording, never closer to the quota than 16 MiB.
    expect(quotaVerdict({ usage: 990 * MB, quota: 1_000 * MB }, 1_000)).toEqual({ kind: 'stop', message: STOPPED_MESSAGE });
    expect(quotaVerdict({ usage: 1_200 * MB, quota: 1_000 * MB }, RATE).kind).toBe('stop');
  });

  test('the rate comes from the recording so far; before its first chunk only the hard floor applies', () => {
    expect(byteRate(2_500_000, 10_000)).toBe(250_000);
    expect(byteRate(0, 0)).toBe(0);
    expect(quotaVerdict({ usage: 950 * MB, quota: 1_000 * MB }, 0)).toEqual({ kind: 'ok' });
  });

  test('a browser that gives no estimate, or fails to, is not second-guessed', async () => {
    expect(quotaVerdict({}, RATE)).toEqual({ kind: 'ok' });
    expect(await checkQuota(RATE, undefined)).toEqual({ kind: 'ok' });
    const failing = { estimate: () => Promise.reject(new Error('no')), persist: () => Promise.resolve(false) };
    expect(await checkQuota(RATE, failing)).toEqual({ kind: 'ok' });
    const nearlyFull = { estimate: async () => ({ usage: 999 * MB, quota: 1_000 * MB }), persist: () => Promise.resolve(false) };
    expect(await checkQuota(RATE, nearlyFull)).toEqual({ kind: 'stop', message: STOPPED_MESSAGE });
  });

  test('persistent storage is asked for once per page, however often recording starts', async () => {
    let asked = 0;
    const storage = { estimate: async () => ({}), persist: async () => (++asked, true) };
    expect(await persistStorageOnce(storage)).toBe(true);
    expect(await persistStorageOnce(storage)).toBe(true);
    expect(asked).toBe(1);
  });
});
