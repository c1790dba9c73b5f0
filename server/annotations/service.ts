import * as v from 'valibot';
import { annotationUpFrameSchema } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import { PerSenderRateLimiter } from '../signaling/rateLimit.ts';
import type { RefusalReason, RoomAnnotations } from './boards.ts';

const log = createLogger('annotations');

/**
 * Per peer. A drawing page sends at most one op every 40 ms (25 a second) while the pen moves: 60 a second leaves
 * room for two fingers and an undo or two; the burst absorbs a reconnect's flush. Beyond it ops are dropped.
 */
export const ANNOTATE_BURST = 120;
export const ANNOTATE_RATE_PER_SECOND = 60;

export type AnnotationRejectReason = 'invalid' | 'rate_limited' | RefusalReason;

/** Counted for /metrics: totals since the start. */
export class AnnotationStats {
  /** Ops applied (and fanned out). */
  applied = 0;
  readonly rejected: Record<AnnotationRejectReason, number> = {
    invalid: 0,
    rate_limited: 0,
    no_share: 0,
    not_yours: 0,
    too_many_strokes: 0,
    too_many_points: 0,
    room_full: 0,
    gap: 0,
    no_change: 0,
  };
  /** Annotation frames sent on room feeds, once per receiving peer. */
  delivered = 0;
}

/** Who drew: the peer as the room knows it. */
export type AnnotationSender = { readonly id: string };

/** A room as annotations see it: its boards, who shares a screen now, and its feed (the chat feed). */
export type AnnotatedRoom = {
  readonly id: string;
  readonly annotations: RoomAnnotations;
  sharing(peerId: string): boolean;
  send(text: string): number;
};

/**
 * The server's part in annotations: checks every `annotate` frame, applies it to its room's boards and fans the
 * result out, numbered, on the room's feed. Synchronous from frame to fan-out, so each room's order is one order.
 */
export class AnnotationService {
  readonly stats = new AnnotationStats();
  readonly #rates: PerSenderRateLimiter<AnnotationSender>;
  /** When each sender's last dropped op was logged: a flood is logged about once a second, not per frame. */
  readonly #loggedAt = new WeakMap<AnnotationSender, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#rates = new PerSenderRateLimiter(ANNOTATE_BURST, ANNOTATE_RATE_PER_SECOND, now);
  }

  /** One frame whose `type` is `annotate`, parsed from JSON (see isAnnotateFrame); true when it was applied. */
  receive(room: AnnotatedRoom, sender: AnnotationSender, frame: unknown): boolean {
    if (!this.#rates.take(sender)) return this.#reject('rate_limited', room, sender);
    const parsed = v.safeParse(annotationUpFrameSchema, frame);
    if (!parsed.success) return this.#reject('invalid', room, sender, { problem: parsed.issues[0]?.message });
    const result = room.annotations.apply(sender.id, parsed.output.op, (peerId) => room.sharing(peerId));
    if (!result.applied) return this.#reject(result.reason, room, sender, { op: parsed.output.op.kind });
    this.stats.applied++;
    this.stats.delivered += room.send(JSON.stringify(result.frame));
    return true;
  }

  /**
   * Sends the room's newest annotation frame again: after the feed toward someone overflowed, it reveals the gap
   * the dropped frames left even when nobody draws on; those who had it ignore it by its `rev`.
   */
  resendNewest(room: AnnotatedRoom): void {
    const newest = room.annotations.newest;
    if (newest) this.stats.delivered += room.send(JSON.stringify(newest));
  }

  #reject(reason: AnnotationRejectReason, room: AnnotatedRoom, sender: AnnotationSender, context: Record<string, unknown> = {}): false {
    this.stats.rejected[reason]++;
    // Repeats are normal (a resend after a reconnect): counted, not logged.
    if (reason === 'no_change') return false;
    const now = this.#now();
    if (now - (this.#loggedAt.get(sender) ?? -Infinity) >= 1000) {
      this.#loggedAt.set(sender, now);
      log.warn('annotation op dropped', { reason, room: room.id, peer: sender.id, ...context });
    }
    return false;
  }
}

/**
 * The frame, parsed, when a peer's text frame is an `annotate` one; undefined for anything else (chat's to judge).
 * Chat frames are not parsed here twice: only a frame that names the type can be one.
 */
export function annotateFrameOf(payload: Buffer, isText: boolean, maxBytes: number): { type: 'annotate' } | undefined {
  if (!isText || payload.length > maxBytes || !payload.includes('"annotate"')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'annotate' ? (json as { type: 'annotate' }) : undefined;
}
