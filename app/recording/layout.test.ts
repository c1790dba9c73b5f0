import { describe, expect, it } from 'vitest';
import { chooseScene, layoutScene, type Rect } from './layout.ts';

const CANVAS = { width: 1280, height: 720 };
const person = (id: string, hasScreen = false, hasCam = true) => ({ id, hasScreen, hasCam, isLocal: id === 'self' });

const inside = (inner: Rect, outer: Rect) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('chooseScene', () => {
  it('puts a shared screen large and every camera, the sharer’s included, beside it', () => {
    const chosen = chooseScene([person('a'), person('b', true), person('c'), person('d')], null, 'a');
    expect(chosen.main).toEqual({ participantId: 'b', source: 'screen' });
    expect(chosen.thumbnails.map((t) => `${t.participantId}:${t.source}`)).toEqual(['a:cam', 'b:cam', 'c:cam', 'd:cam']);
  });

  it('shows the active screen when two people share, the other screen as a thumbnail', () => {
    const chosen = chooseScene([person('a', true), person('b', true)], 'b', null);
    expect(chosen.main).toEqual({ participantId: 'b', source: 'screen' });
    expect(chosen.thumbnails.map((t) => `${t.participantId}:${t.source}`)).toEqual(['a:cam', 'b:cam', 'a:screen']);
  });

  it('without a screen, puts the speaker large and the others as thumbnails', () => {
    const chosen = chooseScene([person('self'), person('b'), person('c')], null, 'c');
    expect(chosen.main).toEqual({ participantId: 'c', source: 'cam' });
    expect(chosen.thumbnails.map((t) => t.participantId)).toEqual(['self', 'b']);
  });

  it('without a speaker, shows the first other person with a camera, else another person, else oneself', () => {
    const main = (people: ReturnType<typeof person>[], speaker: string | null = null) => chooseScene(people, null, speaker).main?.participantId;
    expect(main([person('self'), person('b', false, false), person('c')])).toBe('c');
    expect(main([person('self'), person('b', false, false), person('c', false, false)])).toBe('b');
    expect(main([person('self')])).toBe('self');
    expect(main([person('self'), person('b')], 'gone')).toBe('b');
  });

  it('is empty with nobody', () => {
    expect(chooseScene([], null, null)).toEqual({ main: null, thumbnails: [] });
  });
});

describe('layoutScene', () => {
  it('screen + 4 cameras: the screen large on the left, four 16:9 thumbnails stacked on the right, none overlapping', () => {
    const scene = layoutScene(CANVAS, chooseScene([person('a', true), person('b'), person('c'), person('d')], null, null));
    const main = scene.main!.rect;
    expect(main).toEqual({ x: 0, y: 0, width: 1024, height: 720 });
    expect(scene.thumbnails).toHaveLength(4);
    for (const [index, thumbnail] of scene.thumbnails.entries()) {
      expect(inside(thumbnail.rect, { x: 1024, y: 0, width: 256, height: 720 })).toBe(true);
      expect(thumbnail.rect.width / thumbnail.rect.height).toBeCloseTo(16 / 9, 1);
      expect(thumbnail.rect.width).toBeGreaterThan(200); // one column: big enough to recognise someone
      expect(overlap(thumbnail.rect, main)).toBe(false);
      for (const other of scene.thumbnails.slice(index + 1)) expect(overlap(thumbnail.rect, other.rect)).toBe(false);
    }
  });

  it('many thumbnails go into more columns and still fit the canvas', () => {
    const people = Array.from({ length: 9 }, (_, index) => person(`p${index}`, index === 0));
    const scene = layoutScene(CANVAS, chooseScene(people, null, null));
    expect(scene.thumbnails).toHaveLength(9);
    for (const thumbnail of scene.thumbnails) {
      expect(inside(thumbnail.rect, { x: 1024, y: 0, width: 256, height: 720 })).toBe(true);
      expect(thumbnail.rect.width).toBeGreaterThan(50);
    }
  });

  it('no screen: the speaker large, the others beside', () => {
    const scene = layoutScene(CANVAS, chooseScene([person('self'), person('b')], null, 'b'));
    expect(scene.main).toMatchObject({ participantId: 'b', source: 'cam', rect: { x: 0, y: 0, width: 1024, height: 720 } });
    expect(scene.thumbnails.map((t) => t.participantId)).toEqual(['self']);
  });

  it('one person alone takes the whole canvas', () => {
    const scene = layoutScene(CANVAS, chooseScene([person('self')], null, null));
    expect(scene.main!.rect).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    expect(scene.thumbnails).toEqual([]);
  });

  it('follows a configured canvas size', () => {
    const scene = layoutScene({ width: 640, height: 360 }, chooseScene([person('a', true), person('b')], null, null));
    expect(scene.main!.rect).toEqual({ x: 0, y: 0, width: 512, height: 360 });
    expect(inside(scene.thumbnails[0]!.rect, { x: 512, y: 0, width: 128, height: 360 })).toBe(true);
  });
});
