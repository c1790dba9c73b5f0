/*
 * The compositor's own <video> element per track, never attached to the page: drawImage needs an element, and
 * reaching into the UI's tiles would tie the recording to what the UI happens to render (a phone layout hides
 * thumbnails; a closed panel removes them).
 */

/** Keeps one muted, playing, detached <video> per track; `sync` adds new tracks and releases dropped ones. */
export class VideoSources {
  readonly #videos = new Map<MediaStreamTrack, HTMLVideoElement>();
  readonly #document: Document;

  constructor(ownerDocument: Document = document) {
    this.#document = ownerDocument;
  }

  /** Makes the set of elements match `tracks`. */
  sync(tracks: Iterable<MediaStreamTrack>): void {
    const wanted = new Set(tracks);
    for (const [track, video] of this.#videos) {
      if (!wanted.has(track)) {
        release(video);
        this.#videos.delete(track);
      }
    }
    for (const track of wanted) {
      if (this.#videos.has(track)) continue;
      const video = this.#document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.autoplay = true;
      video.srcObject = new MediaStream([track]);
      void video.play().catch(() => {}); // muted video may always play; a failure shows as "no picture yet"
      this.#videos.set(track, video);
    }
  }

  /** The element showing `track`, once it has a picture to draw. */
  drawable(track: MediaStreamTrack | null): HTMLVideoElement | null {
    if (!track || track.readyState !== 'live') return null;
    const video = this.#videos.get(track);
    if (!video || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) return null;
    return video;
  }

  close(): void {
    for (const video of this.#videos.values()) release(video);
    this.#videos.clear();
  }
}

function release(video: HTMLVideoElement): void {
  video.pause();
  video.srcObject = null; // the track itself belongs to the call: never stopped here
}
