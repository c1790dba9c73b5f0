import { describe, expect, it } from 'vitest';
import { SpeakerTracker } from './speaker.ts';

const levels = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('SpeakerTracker', () => {
  it('has no speaker while everyone is silent, then takes the first who speaks at once', () => {
    const tracker = new SpeakerTracker();
    expect(tracker.update(levels({ a: 0.001, b: 0 }), 0)).toBeNull();
    expect(tracker.update(levels({ a: 0.001, b: 0.2 }), 100)).toBe('b');
  });

  it('does not switch for a short louder burst from someone else (a cough)', () => {
    const tracker = new SpeakerTracker({ holdMs: 1000 });
    tracker.update(levels({ a: 0.1, b: 0 }), 0);
    for (let t = 100; t <= 800; t += 100) expect(tracker.update(levels({ a: 0.1, b: 0.5 }), t)).toBe('a');
    expect(tracker.update(levels({ a: 0.1, b: 0 }), 900)).toBe('a');
    // The burst ended: a new one starts its wait from scratch.
    expect(tracker.update(levels({ a: 0.1, b: 0.5 }), 1000)).toBe('a');
    expect(tracker.update(levels({ a: 0.1, b: 0.5 }), 1900)).toBe('a');
  });

  it('switches once someone else is clearly louder for the hold time', () => {
    const tracker = new SpeakerTracker({ holdMs: 1000 });
    tracker.update(levels({ a: 0.1, b: 0 }), 0);
    tracker.update(levels({ a: 0.02, b: 0.3 }), 100);
    expect(tracker.update(levels({ a: 0.02, b: 0.3 }), 1099)).toBe('a');
    expect(tracker.update(levels({ a: 0.02, b: 0.3 }), 1100)).toBe('b');
  });

  it('keeps the speaker when another is only slightly louder', () => {
    const tracker = new SpeakerTracker({ holdMs: 500, margin: 1.5 });
    tracker.update(levels({ a: 0.1 }), 0);
    for (let t = 0; t <= 3000; t += 100) expect(tracker.update(levels({ a: 0.1, b: 0.12 }), t)).toBe('a');
  });

  it('forgets a speaker who left', () => {
    const tracker = new SpeakerTracker();
    tracker.update(levels({ a: 0.1, b: 0 }), 0);
    expect(tracker.update(levels({ b: 0 }), 100)).toBeNull();
    expect(tracker.update(levels({ b: 0.1 }), 200)).toBe('b');
  });
});
