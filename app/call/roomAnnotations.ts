import { effect } from '@preact/signals';
import * as v from 'valibot';
import {
  ANNOTATION_MAX_POINTS,
  ANNOTATION_POINTS_PER_OP,
  annotationDownFrameSchema,
  type AnnotationColor,
  type AnnotationOp,
  type AnnotationUpFrame,
  type ResponseData,
} from '../../shared/protocol/index.ts';
import {
  applyOp,
  dropBoard,
  emptyBoardState,
  receiveFrame,
  receiveSnapshot,
  snapshotFailed,
  snapshotRequested,
  type BoardState,
} from '../annotations/boardState.ts';
import { createLogger } from '../log.ts';
import { annotationActions, boards, penColor, resetAnnotations, selfPeerId, type AnnotationActions } from '../models/annotations.ts';
import { participants } from '../models/participants.ts';
import type { ChatLink } from '../net/chatChannel.ts';
import type { FeedListener } from './feedFrames.ts';

const log = createLogger('annotations');

/** Pointer moves come far faster than the feed needs them: points are sent in batches at most this often (ms). */
export const SEND_EVERY_MS = 40;
/** The pen's width in ANNOTATION_SCALE units of the picture's width: about 3 px on a phone, 10 px in a 720p video. */
export const PEN_WIDTH = 80;

/** A stroke the local person is drawing: its points, and how many of them went out. */
type DrawnStroke = { board: string; id: string; color: AnnotationColor; width: number; points: number[]; sent: number };

export type RoomAnnotationsDeps = {
  /** `annotationState` over signaling; rejects while disconnected. */
  fetchState(): Promise<ResponseData<'annotationState'>>;
  newStrokeId?: () => string;
};

/**
 * A call's annotations: the boards the overlay and the recording draw, kept in step with the room's feed (frames
 * in `rev` order, the whole state fetched when one is missing and whenever the feed opens), and the local
 * person's drawing, shown at once and sent in batches on the chat channel.
 */
export class RoomAnnotations implements AnnotationActions, FeedListener {
  readonly #deps: RoomAnnotationsDeps;
  #state: BoardState = emptyBoardState;
  #link: ChatLink | undefined;
  readonly #drawing = new Map<string, DrawnStroke>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushedAt = -Infinity;
  #fetching = false;
  #fetchAgain = false;
  #closed = false;
  readonly #stopWatchingShares: () => void;

  constructor(deps: RoomAnnotationsDeps) {
    this.#deps = deps;
    this.#stopWatchingShares = this.#watchShares();
    annotationActions.value = this;
  }

  /** Joined or resumed as `peerId`: what happened while we were away is fetched whole. */
  joined(peerId: string): void {
    selfPeerId.value = peerId;
    void this.#fetchState();
  }

  linkOpened(link: ChatLink): void {
    this.#link = link;
    this.#flush();
  }

  linkClosed(link: ChatLink): void {
    if (this.#link === link) this.#link = undefined;
  }

  /** The feed opened: what it carried before is lost, and a late joiner has nothing yet. */
  feedOpened(): void {
    void this.#fetchState();
  }

  /** A frame of type `annotation` from the room's feed, parsed from JSON. */
  receive(frame: unknown): void {
    const parsed = v.safeParse(annotationDownFrameSchema, frame);
    if (!parsed.success) return log.warn('ignored an invalid annotation frame', parsed.issues[0].message);
    const result = receiveFrame(this.#state, parsed.output);
    this.#set(result.state);
    if (result.needSnapshot) void this.#fetchState();
  }

  begin(board: string, x: number, y: number): string {
    const stroke: DrawnStroke = {
      board,
      id: this.#deps.newStrokeId?.() ?? crypto.randomUUID(),
      color: penColor.value,
      width: PEN_WIDTH,
      points: [x, y],
      sent: 0,
    };
    this.#drawing.set(stroke.id, stroke);
    this.#applyLocal({ kind: 'stroke', board, strokeId: stroke.id, color: stroke.color, width: stroke.width, from: 0, points: [x, y] });
    this.#scheduleFlush();
    return stroke.id;
  }

  extend(strokeId: string, x: number, y: number): void {
    const stroke = this.#drawing.get(strokeId);
    if (!stroke) return;
    const count = stroke.points.length / 2;
    if (count >= ANNOTATION_MAX_POINTS) return;
    if (stroke.points[stroke.points.length - 2] === x && stroke.points[stroke.points.length - 1] === y) return;
    stroke.points.push(x, y);
    const { board, id, color, width } = stroke;
    this.#applyLocal({ kind: 'stroke', board, strokeId: id, color, width, from: count, points: [x, y] });
    this.#scheduleFlush();
  }

  end(strokeId: string): void {
    if (!this.#drawing.has(strokeId)) return;
    this.#flush();
    const stroke = this.#drawing.get(strokeId);
    // Kept while points wait for a channel (a reconnect), so they go out with the next one.
    if (stroke && stroke.sent === stroke.points.length / 2) this.#drawing.delete(strokeId);
  }

  undo(board: string): void {
    const self = selfPeerId.value;
    const newest = self ? this.#state.boards.get(board)?.findLast((stroke) => stroke.author === self) : undefined;
    if (!newest) return;
    this.#drawing.delete(newest.id);
    this.#sendAndApply({ kind: 'undo', board, strokeId: newest.id });
  }

  clear(board: string): void {
    for (const stroke of this.#drawing.values()) if (stroke.board === board) this.#drawing.delete(stroke.id);
    this.#sendAndApply({ kind: 'clear', board });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#flushTimer);
    this.#stopWatchingShares();
    this.#drawing.clear();
    this.#link = undefined;
    resetAnnotations();
  }

  #sendAndApply(op: AnnotationOp): void {
    this.#send(op);
    this.#applyLocal(op);
  }

  /** The local person's op, shown before the server numbers it; its echo on the feed then changes nothing. */
  #applyLocal(op: AnnotationOp): void {
    const self = selfPeerId.value;
    if (!self) return;
    this.#set({ ...this.#state, boards: applyOp(this.#state.boards, self, op) });
  }

  #send(op: AnnotationOp): boolean {
    if (!this.#link?.isOpen) return false;
    const frame: AnnotationUpFrame = { type: 'annotate', op };
    this.#link.send(JSON.stringify(frame));
    return true;
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    const wait = Math.max(0, this.#flushedAt + SEND_EVERY_MS - Date.now());
    this.#flushTimer = setTimeout(() => this.#flush(), wait);
  }

  /** Sends every stroke's unsent points, ANNOTATION_POINTS_PER_OP to an op. */
  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const stroke of this.#drawing.values()) {
      const count = stroke.points.length / 2;
      while (stroke.sent < count) {
        const upTo = Math.min(count, stroke.sent + ANNOTATION_POINTS_PER_OP);
        const points = stroke.points.slice(stroke.sent * 2, upTo * 2);
        const { board, id, color, width, sent } = stroke;
        if (!this.#send({ kind: 'stroke', board, strokeId: id, color, width, from: sent, points })) return;
        stroke.sent = upTo;
        this.#flushedAt = Date.now();
      }
    }
  }

  /** Fetches the whole state; one fetch at a time, and once more when asked again meanwhile. */
  async #fetchState(): Promise<void> {
    if (this.#fetching) {
      this.#fetchAgain = true;
      return;
    }
    this.#fetching = true;
    try {
      do {
        this.#fetchAgain = false;
        this.#state = snapshotRequested(this.#state);
        let reply: ResponseData<'annotationState'>;
        try {
          reply = await this.#deps.fetchState();
        } catch (error) {
          log.warn('could not fetch the annotations now; will ask again', String(error));
          this.#set(snapshotFailed(this.#state));
          return;
        }
        if (this.#closed) return;
        const result = receiveSnapshot(this.#state, reply);
        this.#set(result.state);
        this.#redrawOwnStrokes();
        if (result.needSnapshot) this.#fetchAgain = true;
      } while (this.#fetchAgain && !this.#closed);
    } finally {
      this.#fetching = false;
    }
  }

  /** A snapshot predates the points of our strokes still on their way: show them again until they echo. */
  #redrawOwnStrokes(): void {
    for (const stroke of this.#drawing.values()) {
      const { board, id, color, width, points } = stroke;
      this.#applyLocal({ kind: 'stroke', board, strokeId: id, color, width, from: 0, points });
    }
  }

  /**
   * A share that ends takes its board with it, on this page too (the server's `clear` of it may come later or,
   * to a page whose feed overflowed, not at all). Only a share seen ending counts: a board can arrive (in a
   * snapshot) before the screen's track does.
   */
  #watchShares(): () => void {
    let shared = new Set<string>();
    return effect(() => {
      const self = selfPeerId.value;
      const now = new Set<string>();
      for (const participant of participants.value.values()) {
        if (!participant.screen) continue;
        const board = participant.isLocal ? self : participant.id;
        if (board) now.add(board);
      }
      let next = this.#state.boards;
      for (const board of shared) if (!now.has(board)) next = dropBoard(next, board);
      shared = now;
      if (next !== this.#state.boards) this.#set({ ...this.#state, boards: next });
    });
  }

  #set(state: BoardState): void {
    this.#state = state;
    if (boards.peek() !== state.boards) boards.value = state.boards;
  }
}
