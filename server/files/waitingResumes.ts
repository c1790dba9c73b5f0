/** How long a resume for a transfer this room does not hold waits for its sender's offer. */
export const RESUME_WAIT_MS = 60_000;
/** Resumes a room keeps waiting at once (the oldest goes first beyond). */
export const MAX_WAITING_RESUMES = 256;

/** A receiver's `fileResume` that came before the transfer existed here: who asked, from which offset, when. */
export type WaitingResume = { peerId: string; offset: number; at: number };

/**
 * Resumes that came before their transfer. After a server restart or a mediasoup worker's death the room starts
 * with no transfers, and its people come back in any order: a receiver that asks to resume before the sender has
 * offered the file again would otherwise wait for its next retry (seconds). Kept by transfer id and recipient key,
 * so only the sender's offer naming that key (which only the holder of the secret behind it can have asked for)
 * takes one up.
 */
export class WaitingResumes {
  readonly #byTransfer = new Map<string, Map<string, WaitingResume>>();
  #count = 0;

  add(transferId: string, key: string, resume: WaitingResume): void {
    const forTransfer = this.#byTransfer.get(transferId) ?? new Map<string, WaitingResume>();
    if (!forTransfer.has(key)) this.#count++;
    forTransfer.set(key, resume);
    this.#byTransfer.set(transferId, forTransfer);
    while (this.#count > MAX_WAITING_RESUMES) this.#dropOldest();
  }

  /** The resume waiting for this recipient of this transfer, if one came within RESUME_WAIT_MS; it is used up. */
  take(transferId: string, key: string, now: number): WaitingResume | undefined {
    const forTransfer = this.#byTransfer.get(transferId);
    const resume = forTransfer?.get(key);
    if (!forTransfer || !resume) return undefined;
    forTransfer.delete(key);
    this.#count--;
    if (forTransfer.size === 0) this.#byTransfer.delete(transferId);
    return now - resume.at <= RESUME_WAIT_MS ? resume : undefined;
  }

  /** Forgets those that waited too long. */
  sweep(now: number): void {
    for (const [transferId, forTransfer] of this.#byTransfer) {
      for (const [key, resume] of forTransfer) {
        if (now - resume.at <= RESUME_WAIT_MS) continue;
        forTransfer.delete(key);
        this.#count--;
      }
      if (forTransfer.size === 0) this.#byTransfer.delete(transferId);
    }
  }

  get size(): number {
    return this.#count;
  }

  clear(): void {
    this.#byTransfer.clear();
    this.#count = 0;
  }

  #dropOldest(): void {
    let oldest: { transferId: string; key: string; at: number } | undefined;
    for (const [transferId, forTransfer] of this.#byTransfer) {
      for (const [key, resume] of forTransfer) if (!oldest || resume.at < oldest.at) oldest = { transferId, key, at: resume.at };
    }
    if (!oldest) return;
    const forTransfer = this.#byTransfer.get(oldest.transferId)!;
    forTransfer.delete(oldest.key);
    this.#count--;
    if (forTransfer.size === 0) this.#byTransfer.delete(oldest.transferId);
  }
}
