import { effect } from '@preact/signals';
import { drawStrokes } from '../annotations/render.ts';
import { SELF_ID } from '../call/localMedia.ts';
import { boardOf, boards } from '../models/annotations.ts';
import { participants, type Participant } from '../models/participants.ts';
import { chooseScene, layoutScene, type PlacedSource, type Scene } from './layout.ts';
import { BACKGROUND, drawContained, drawCovered, drawInitials, drawName, fillTile } from './paint.ts';
import { SpeakerTracker } from './speaker.ts';
import { startTicker, type TickSource, type Ticker, type TickerOptions } from './ticker.ts';
import { VideoSources } from './videoSources.ts';

/*
 * The recording's picture: the meeting as people see it (the shared screen large with its annotations, or the person
 * speaking; everyone else as thumbnails with names) drawn into a canvas whose captureStream is the video track given
 * to the recorder. Frames are drawn on the worker clock (ticker.ts), not on animation frames, so the recording keeps
 * its frame rate while the page is in the background.
 */

export type CompositorOptions = TickerOptions & {
  width?: number;
  height?: number;
  fps?: number;
  /** Each participant's audio level (the mix's analysers), to put the speaker large; without it, the first remote camera. */
  levels?: () => ReadonlyMap<string, number>;
};

/** How well the compositor kept time, for the bench and the tests. */
export type CompositorStats = {
  framesDrawn: number;
  /** Frames not drawn because a tick came more than 1.5 intervals after the previous draw. */
  ticksSkipped: number;
  /** The longest time between two draws, ms. */
  longestGapMs: number;
  /** Time spent drawing, ms: the longest draw and all of them together. */
  longestDrawMs: number;
  totalDrawMs: number;
  tickSource: TickSource;
};

/** How often the speaker is re-estimated, in ticks (levels change slower than frames). */
const SPEAKER_EVERY_TICKS = 6;

/** Draws the meeting into a canvas at `fps`; `track` is its video. Call `close()` to stop (idempotent). */
export class Compositor {
  readonly canvas: HTMLCanvasElement;
  readonly track: MediaStreamTrack;
  readonly #context: CanvasRenderingContext2D;
  readonly #videos = new VideoSources();
  readonly #speaker = new SpeakerTracker();
  readonly #levels: (() => ReadonlyMap<string, number>) | undefined;
  readonly #intervalMs: number;
  readonly #ticker: Ticker;
  readonly #stopWatching: () => void;
  #requestFrame: () => void = () => {};
  #people: Participant[] = [];
  /** Whose screen is large: the share that started last (a new share is what people turn to). */
  #activeScreen: string | null = null;
  #ticks = 0;
  #lastDraw: number | undefined;
  #closed = false;
  readonly #stats: Omit<CompositorStats, 'tickSource'> = { framesDrawn: 0, ticksSkipped: 0, longestGapMs: 0, longestDrawMs: 0, totalDrawMs: 0 };

  constructor(options: CompositorOptions = {}) {
    const { width = 1280, height = 720, fps = 30 } = options;
    this.#intervalMs = 1000 / fps;
    this.#levels = options.levels;
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    // Opaque: nothing is behind the picture, so no blending with it (Chrome still tags the WebM video
    // `alpha_mode=1`, measured).
    const context = this.canvas.getContext('2d', { alpha: false });
    if (!context) throw new Error('no 2D canvas');
    this.#context = context;
    // Each drawn picture is handed over explicitly (requestFrame). With captureStream(fps), Chromium samples the
    // canvas on a clock of its own that can beat against ours: a headful Chromium recorded 20 fps of the 30 drawn
    // (bench/RESULTS.md). Where requestFrame is missing, the sampled capture is the fallback.
    const track = this.canvas.captureStream(0).getVideoTracks()[0] as CanvasCaptureMediaStreamTrack | undefined;
    if (!track) throw new Error('the canvas gave no video track');
    if (typeof track.requestFrame === 'function') {
      this.track = track;
      this.#requestFrame = () => track.requestFrame();
    } else {
      track.stop();
      const sampled = this.canvas.captureStream(fps).getVideoTracks()[0];
      if (!sampled) throw new Error('the canvas gave no video track');
      this.track = sampled;
    }
    this.#stopWatching = effect(() => this.#follow(participants.value));
    this.#draw(); // a first frame at once: the recorder's first chunk should not start black
    this.#ticker = startTicker(fps, () => this.#tick(), options);
  }

  /** The counts so far; `resetPeaks` starts the longest gap and draw over (the bench measures spans). */
  stats(resetPeaks = false): CompositorStats {
    const stats = { ...this.#stats, tickSource: this.#ticker.source };
    if (resetPeaks) Object.assign(this.#stats, { longestGapMs: 0, longestDrawMs: 0 });
    return stats;
  }

  /** Stops drawing and releases the compositor's own elements and track; the call's tracks are untouched. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ticker.stop();
    this.#stopWatching();
    this.#videos.close();
    this.track.stop();
  }

  #follow(people: ReadonlyMap<string, Participant>): void {
    const previous = new Set(this.#people.filter((person) => person.screen).map((person) => person.id));
    this.#people = [...people.values()];
    const sharing = this.#people.filter((person) => person.screen);
    const started = sharing.find((person) => !previous.has(person.id));
    if (started) this.#activeScreen = started.id;
    else if (!sharing.some((person) => person.id === this.#activeScreen)) this.#activeScreen = null;
    const tracks: MediaStreamTrack[] = [];
    for (const person of this.#people) {
      if (person.cam) tracks.push(person.cam);
      if (person.screen) tracks.push(person.screen);
    }
    this.#videos.sync(tracks);
  }

  #tick(): void {
    if (this.#closed) return;
    // After a stall, the worker's ticks wait in the queue and arrive back to back: drawing each would cost time
    // exactly when the page is behind, for frames the capture discards anyway. Draw once for the lot.
    if (this.#lastDraw !== undefined && performance.now() - this.#lastDraw < this.#intervalMs / 2) return;
    if (this.#levels && this.#ticks % SPEAKER_EVERY_TICKS === 0) this.#speaker.update(this.#levels(), performance.now());
    this.#ticks += 1;
    this.#draw();
  }

  #draw(): void {
    const started = performance.now();
    if (this.#lastDraw !== undefined) {
      const gap = started - this.#lastDraw;
      if (gap > 1.5 * this.#intervalMs) this.#stats.ticksSkipped += Math.round(gap / this.#intervalMs) - 1;
      this.#stats.longestGapMs = Math.max(this.#stats.longestGapMs, gap);
    }
    this.#lastDraw = started;
    this.#paint(this.#scene());
    this.#requestFrame();
    const took = performance.now() - started;
    this.#stats.framesDrawn += 1;
    this.#stats.totalDrawMs += took;
    this.#stats.longestDrawMs = Math.max(this.#stats.longestDrawMs, took);
  }

  #scene(): Scene {
    const people = this.#people.map((person) => ({
      id: person.id,
      isLocal: person.isLocal,
      hasCam: person.cam !== null,
      hasScreen: person.screen !== null,
    }));
    return layoutScene(this.canvas, chooseScene(people, this.#activeScreen, this.#speaker.current));
  }

  #paint(scene: Scene): void {
    const context = this.#context;
    context.fillStyle = BACKGROUND;
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (scene.main) this.#paintMain(scene.main);
    for (const thumbnail of scene.thumbnails) this.#paintThumbnail(thumbnail);
  }

  #paintMain(placed: PlacedSource): void {
    const person = this.#people.find((candidate) => candidate.id === placed.participantId);
    if (!person) return;
    const video = this.#videos.drawable(placed.source === 'screen' ? person.screen : person.cam);
    if (!video) {
      fillTile(this.#context, placed.rect);
      if (placed.source === 'cam') drawInitials(this.#context, person.name, placed.rect);
    } else {
      const picture = drawContained(this.#context, video, placed.rect);
      if (placed.source === 'screen') {
        const board = boardOf(person.id, SELF_ID);
        const strokes = board === null ? undefined : boards.value.get(board);
        if (strokes?.length) drawStrokes(this.#context, strokes, picture);
      }
    }
    drawName(this.#context, placed.source === 'screen' ? `${person.name} (screen)` : person.name, placed.rect);
  }

  #paintThumbnail(placed: PlacedSource): void {
    const person = this.#people.find((candidate) => candidate.id === placed.participantId);
    if (!person) return;
    fillTile(this.#context, placed.rect);
    const video = this.#videos.drawable(placed.source === 'screen' ? person.screen : person.cam);
    if (!video) drawInitials(this.#context, person.name, placed.rect);
    else if (placed.source === 'screen') drawContained(this.#context, video, placed.rect);
    else drawCovered(this.#context, video, placed.rect);
    drawName(this.#context, placed.source === 'screen' ? `${person.name} (screen)` : person.name, placed.rect);
  }
}
