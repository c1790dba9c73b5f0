import { ProtocolError } from '../../shared/protocol/index.ts';
import { describeWait, FailedAttemptLimiter, type AttemptPolicy } from './attemptLimiter.ts';
import { hashPassword, verifyPassword, type PasswordHash } from './password.ts';
import { Semaphore, SemaphoreFullError } from './semaphore.ts';

/** One network: a few typos are free, then 2 s, 4 s, 8 s … up to 15 minutes between guesses. */
const PER_ADDRESS: AttemptPolicy = {
  freeFailures: 3,
  baseDelayMs: 2_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

/**
 * One meeting, from every network together (guessing spread over many addresses). More generous than the
 * per-address policy, so one guesser is stopped by that one long before the meeting's other guests notice.
 */
const PER_MEETING: AttemptPolicy = {
  freeFailures: 10,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

/** scrypt runs on libuv's pool of 4 threads, which file I/O and other crypto share: leave them at least two. */
const CONCURRENT_HASHES = 2;
/** Beyond this many password checks waiting, refuse: a queue that only grows helps nobody. */
const MAX_WAITING_HASHES = 64;

export type Attempt = { password: string; address: string; meeting: string };

/**
 * Where room passwords are hashed and checked: scrypt on a small semaphore, and failed guesses limited per
 * client address and per meeting, refused with `rate_limited` (saying when to try again) before any hashing.
 */
export class PasswordGuard {
  readonly #byAddress: FailedAttemptLimiter;
  readonly #byMeeting: FailedAttemptLimiter;
  readonly #hashing = new Semaphore(CONCURRENT_HASHES, MAX_WAITING_HASHES);

  constructor(now: () => number = Date.now) {
    this.#byAddress = new FailedAttemptLimiter(PER_ADDRESS, now);
    this.#byMeeting = new FailedAttemptLimiter(PER_MEETING, now);
  }

  /** Hashes a new room's password. */
  hash(password: string): Promise<PasswordHash> {
    return this.#run(() => hashPassword(password));
  }

  /** Resolves when `password` is right; throws `rate_limited` or `wrong_password` otherwise. */
  async check(stored: PasswordHash, attempt: Attempt): Promise<void> {
    this.#refuseWhileWaiting(attempt);
    const right = await this.#run(async () => {
      // Again once our turn came: guesses queued in parallel must not slip past failures recorded meanwhile.
      this.#refuseWhileWaiting(attempt);
      return verifyPassword(attempt.password, stored);
    });
    if (right) return;
    const wait = Math.max(this.#byAddress.failed(attempt.address), this.#byMeeting.failed(attempt.meeting));
    const then = wait > 0 ? ` Wait ${describeWait(wait)} before trying again.` : '';
    throw new ProtocolError('wrong_password', `That password is not right for this room.${then}`);
  }

  #refuseWhileWaiting({ address, meeting }: Attempt): void {
    const addressWait = this.#byAddress.waitMs(address);
    if (addressWait > 0) {
      throw new ProtocolError(
        'rate_limited',
        `Too many wrong passwords from your network. Try again in ${describeWait(addressWait)}.`,
      );
    }
    const meetingWait = this.#byMeeting.waitMs(meeting);
    if (meetingWait > 0) {
      throw new ProtocolError(
        'rate_limited',
        `Too many wrong passwords for this room. Try again in ${describeWait(meetingWait)}, ` +
          'or ask someone in it for an invite link.',
      );
    }
  }

  async #run<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.#hashing.run(task);
    } catch (error) {
      if (!(error instanceof SemaphoreFullError)) throw error;
      throw new ProtocolError('rate_limited', 'The server is busy checking passwords. Try again in a few seconds.');
    }
  }
}
