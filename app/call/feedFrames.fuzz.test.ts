import * as fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { annotationDownFrameSchema, chatDownFrameSchema } from '../../shared/protocol/index.ts';
import { routeFeedFrame } from './feedFrames.ts';

/** What the room's feed can carry: text (JSON or not, annotation-like or not) and binary. */
const feedFrame = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((json) => JSON.stringify(json)),
  fc.record({ type: fc.constantFrom('annotation', 'message', 'annotate'), rev: fc.jsonValue({ maxDepth: 1 }), author: fc.jsonValue({ maxDepth: 1 }), op: fc.jsonValue({ maxDepth: 2 }), message: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['type'] }).map((json) => JSON.stringify(json)),
  fc.string({ maxLength: 100 }).map((tail) => `{"type":"annotation"${tail}`),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.buffer),
);

describe('the app’s router of feed frames: every frame', () => {
  test('goes to exactly one receiver without throwing: annotations only when it parses as type annotation, chat gets the rest as it came', () => {
    fc.assert(
      fc.property(feedFrame, (raw) => {
        const routed: { to: string; frame: unknown }[] = [];
        routeFeedFrame(raw, { chat: (frame) => routed.push({ to: 'chat', frame }), annotation: (frame) => routed.push({ to: 'annotation', frame }) });
        expect(routed).toHaveLength(1);
        const [{ to, frame }] = routed as [{ to: string; frame: unknown }];
        if (to === 'annotation') expect((frame as { type: unknown }).type).toBe('annotation');
        else expect(frame).toBe(raw);
        // What each receiver then does with it: its schema decides, and never throws.
        expect(() => v.safeParse(to === 'annotation' ? annotationDownFrameSchema : chatDownFrameSchema, frame)).not.toThrow();
      }),
      { numRuns: 1_000 },
    );
  });
});
