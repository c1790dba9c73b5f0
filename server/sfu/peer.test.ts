import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { GOODBYE_GRACE_MS, Peer } from './peer.ts';

const channel = () => ({ notify() {}, drop() {}, fence() {} });
const GRACE_MS = 30_000;

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('Peer grace period', () => {
  test('a page that said goodbye before its socket closed waits only a few seconds', () => {
    const peer = new Peer('Bob', channel());
    const expired = vi.fn();
    peer.goodbye();
    peer.detach(GRACE_MS, expired);
    vi.advanceTimersByTime(GOODBYE_GRACE_MS);
    expect(expired).toHaveBeenCalledOnce();
  });

  test('a goodbye after the socket closed shortens the grace already running', () => {
    const peer = new Peer('Bob', channel());
    const expired = vi.fn();
    peer.detach(GRACE_MS, expired);
    vi.advanceTimersByTime(1_000);
    peer.goodbye();
    vi.advanceTimersByTime(GOODBYE_GRACE_MS);
    expect(expired).toHaveBeenCalledOnce();
  });

  test('a reload’s resume cancels the goodbye: a later drop gets the whole grace again', () => {
    const peer = new Peer('Bob', channel());
    const expired = vi.fn();
    peer.goodbye();
    peer.detach(GRACE_MS, expired);
    peer.attach(channel()); // the reloaded page resumed
    peer.detach(GRACE_MS, expired); // and later its network drops
    vi.advanceTimersByTime(GRACE_MS - 1);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledOnce();
  });
});
