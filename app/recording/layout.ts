/*
 * Where everything goes in the recording's picture, as pure functions (no DOM) so the scene can be tested without a
 * browser: which picture is large (the shared screen, else the person speaking), and the rectangles of it and of the
 * thumbnails of everyone else.
 */

/** A picture in the scene: someone's camera or someone's shared screen. */
export type SceneSource = { participantId: string; source: 'cam' | 'screen' };
export type Rect = { x: number; y: number; width: number; height: number };
export type PlacedSource = SceneSource & { rect: Rect };
export type Scene = { main: PlacedSource | null; thumbnails: PlacedSource[] };

/** What the scene chooser needs to know about one person. */
export type ScenePerson = { id: string; isLocal: boolean; hasCam: boolean; hasScreen: boolean };

export const THUMBNAIL_ASPECT = 16 / 9;
/** Space between thumbnails and around the strip, as a share of the canvas height. */
const GAP_SHARE = 1 / 90;
/** The thumbnail strip takes this share of the canvas width (beside the large picture). */
const STRIP_SHARE = 0.2;

/**
 * Which picture is large and which are thumbnails: the active screen share (the one given, else the first screen)
 * large with every camera beside it; without a screen, the speaker's camera large (else the first other person with
 * a camera, else the first other person, else oneself) and the other cameras as thumbnails. Other screens than the large one become thumbnails after the cameras.
 */
export function chooseScene(people: readonly ScenePerson[], activeScreenId: string | null, speakerId: string | null): { main: SceneSource | null; thumbnails: SceneSource[] } {
  const sharing = people.filter((person) => person.hasScreen);
  const screenOwner = sharing.find((person) => person.id === activeScreenId) ?? sharing[0];
  const cams: SceneSource[] = people.map((person) => ({ participantId: person.id, source: 'cam' }));
  const otherScreens: SceneSource[] = sharing
    .filter((person) => person !== screenOwner)
    .map((person) => ({ participantId: person.id, source: 'screen' }));
  if (screenOwner) return { main: { participantId: screenOwner.id, source: 'screen' }, thumbnails: [...cams, ...otherScreens] };
  const others = people.filter((person) => !person.isLocal);
  const speaker =
    people.find((person) => person.id === speakerId) ?? others.find((person) => person.hasCam) ?? others[0] ?? people[0];
  if (!speaker) return { main: null, thumbnails: [] };
  return {
    main: { participantId: speaker.id, source: 'cam' },
    thumbnails: cams.filter((cam) => cam.participantId !== speaker.id),
  };
}

/**
 * Rectangles for a landscape canvas: the large picture on the left, the thumbnails stacked in a strip on the right
 * (smaller, and in more columns, when there are too many to fit one column). With no thumbnails the large picture
 * takes the whole canvas (nobody in the call: an empty scene).
 */
export function layoutScene(size: { width: number; height: number }, chosen: { main: SceneSource | null; thumbnails: readonly SceneSource[] }): Scene {
  const { width, height } = size;
  const gap = Math.round(height * GAP_SHARE);
  const full: Rect = { x: 0, y: 0, width, height };
  const count = chosen.thumbnails.length;
  if (!chosen.main) return { main: null, thumbnails: [] };
  if (count === 0) return { main: { ...chosen.main, rect: full }, thumbnails: [] };
  const stripWidth = Math.round(width * STRIP_SHARE);
  const strip: Rect = { x: width - stripWidth, y: 0, width: stripWidth, height };
  const main: Rect = { x: 0, y: 0, width: width - stripWidth, height };
  return { main: { ...chosen.main, rect: main }, thumbnails: place(chosen.thumbnails, stack(strip, count, gap)) };
}

function place(sources: readonly SceneSource[], rects: Rect[]): PlacedSource[] {
  return sources.map((source, index) => ({ ...source, rect: rects[index] ?? { x: 0, y: 0, width: 0, height: 0 } }));
}

/** `count` 16:9 tiles in as few columns as fit the strip's height, centred vertically, widest possible. */
function stack(strip: Rect, count: number, gap: number): Rect[] {
  for (let columns = 1; ; columns += 1) {
    const rows = Math.ceil(count / columns);
    const tileWidth = Math.floor((strip.width - gap * (columns + 1)) / columns);
    const tileHeight = Math.floor(tileWidth / THUMBNAIL_ASPECT);
    const used = rows * tileHeight + (rows - 1) * gap;
    if (used <= strip.height - 2 * gap || tileWidth <= 1) {
      const top = strip.y + Math.floor((strip.height - used) / 2);
      return Array.from({ length: count }, (_, index) => ({
        x: strip.x + gap + (index % columns) * (tileWidth + gap),
        y: top + Math.floor(index / columns) * (tileHeight + gap),
        width: tileWidth,
        height: tileHeight,
      }));
    }
  }
}
