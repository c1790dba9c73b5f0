import { ProtocolError } from '../../shared/protocol/index.ts';
import { describeWait, FailedAttemptLimiter, type AttemptPolicy } from './attemptLimiter.ts';
import { hashPassword, verifyPassword, type PasswordHash } from './password.ts';
import { Semaphore, SemaphoreFullError } from './semaphore.ts';
import { createLogger } from '../log.ts';

const log = createLogger('access');

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
 * Failed guesses counted by every server of a service (server/cluster/sharedFailures.ts), beside this server's own
 * count: a guesser spread over the servers waits as long as on one.
 */
export type SharedFailures = {
  waitMs(kind: 'address' | 'meeting', key: string): Promise<number>;
  /** Records a failure under `policy`; resolves with the wait it caused. */
  failed(kind: 'address' | 'meeting', key: string, policy: AttemptPolicy): Promise<number>;
};

/**
 * Where room passwords are hashed and checked: scrypt on a small semaphore, and failed guesses limited per
 * client address and per meeting, refused with `rate_limited` (saying when to try again) before any hashing. In a
 * service of several servers the failures are counted across them too (`shared`); while that count cannot be
 * reached (Redis away), this server's own still holds.
 */
export class PasswordGuard {
  readonly #byAddress: FailedAttemptLimiter;
  readonly #byMeeting: FailedAttemptLimiter;
  readonly #hashing = new Semaphore(CONCURRENT_HASHES, MAX_WAITING_HASHES);
  readonly #shared: SharedFailures | undefined;
  /** When the shared count last failed and said so: a flood of guesses while Redis is away logs once in a while. */
  #sharedFailureLoggedAt = -Infinity;

  constructor(now: () => number = Date.now, shared?: SharedFailures) {
    this.#byAddress = new FailedAttemptLimiter(PER_ADDRESS, now);
    this.#byMeeting = new FailedAttemptLimiter(PER_MEETING, now);
    this.#shared = shared;
  }

  /** Hashes a new room's password. */
  hash(password: string): Promise<PasswordHash> {
    return this.#run(() => hashPassword(password));
  }

  /** Resolves when `password` is right; throws `rate_limited` or `wrong_password` otherwise. */
  async check(stored: PasswordHash, attempt: Attempt): Promise<void> {
    this.#refuseWhileWaiting(attempt, await this.#sharedWaits(attempt));
    const right = await this.#run(async () => {
      // Again once our turn came: guesses queued in parallel must not slip past failures recorded meanwhile.
      this.#refuseWhileWaiting(attempt, await this.#sharedWaits(attempt));
      return verifyPassword(attempt.password, stored);
    });
    if (right) return;
    const wait = Math.max(this.#byAddress.failed(attempt.address), this.#byMeeting.failed(attempt.meeting), await this.#sharedFailed(attempt));
    const then = wait > 0 ? ` Wait ${describeWait(wait)} before trying again.` : '';
    throw new ProtocolError('wrong_password', `That password is not right for this room.${then}`);
  }

  #refuseWhileWaiting({ address, meeting }: Attempt, shared: { address: number; meeting: number }): void {
    const addressWait = Math.max(this.#byAddress.waitMs(address), shared.address);
    if (addressWait > 0) {
      throw new ProtocolError(
        'rate_limited',
        `Too many wrong passwords from your network. Try again in ${describeWait(addressWait)}.`,
      );
    }
    const meetingWait = Math.max(this.#byMeeting.waitMs(meeting), shared.meeting);
    if (meetingWait > 0) {
      throw new ProtocolError(
        'rate_limited',
        `Too many wrong passwords for this room. Try again in ${describeWait(meetingWait)}, ` +
          'or ask someone in it for an invite link.',
      );
    }
  }

  /** What the service makes these keys wait; nothing more than here while it cannot be asked. */
  async #sharedWaits({ address, meeting }: Attempt): Promise<{ address: number; meeting: number }> {
    if (!this.#shared) return { address: 0, meeting: 0 };
    try {
      const [byAddress, byMeeting] = await Promise.all([this.#shared.waitMs('address', address), this.#shared.waitMs('meeting', meeting)]);
      return { address: byAddress, meeting: byMeeting };
    } catch (error) {
      this.#sharedUnreachable('wrong passwords on other servers not known now; this server’s count alone applies', error);
      return { address: 0, meeting: 0 };
    }
  }

  async #sharedFailed({ address, meeting }: Attempt): Promise<number> {
    if (!this.#shared) return 0;
    try {
      const waits = await Promise.all([this.#shared.failed('address', address, PER_ADDRESS), this.#shared.failed('meeting', meeting, PER_MEETING)]);
      return Math.max(...waits);
    } catch (error) {
      this.#sharedUnreachable('wrong password not counted for the other servers; this server’s count alone applies', error);
      return 0;
    }
  }

  #sharedUnreachable(message: string, error: unknown): void {
    const now = performance.now();
    if (now - this.#sharedFailureLoggedAt < 10_000) return;
    this.#sharedFailureLoggedAt = now;
    log.warn(message, { error });
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
