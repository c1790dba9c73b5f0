import * as fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { annotationDownFrameSchema } from '../../shared/protocol/index.ts';
import { nearValid } from '../../test/support/fuzz.ts';
import { emptyBoardState, receiveFrame, type BoardState } from './boardState.ts';

const strokeId = fc.constantFrom('stroke-0001', 'stroke-0002', 'stroke-0003');
const downFrame = fc.record({
  type: fc.constant('annotation'),
  rev: fc.integer({ min: 1, max: 12 }),
  author: fc.constantFrom('ann', 'bob'),
  op: fc.oneof(
    fc.record({
      kind: fc.constant('stroke'),
      board: fc.constantFrom('ann', 'bob'),
      strokeId,
      color: fc.constant('#0a84ff'),
      width: fc.integer({ min: 5, max: 200 }),
      from: fc.nat({ max: 6 }),
      points: fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 4 }).map((points) => [...points, ...points]),
    }),
    fc.record({ kind: fc.constant('undo'), board: fc.constant('ann'), strokeId }),
    fc.record({ kind: fc.constant('clear'), board: fc.constantFrom('ann', 'bob') }),
  ),
});

/** What RoomAnnotations.receive does with a frame from the feed: the schema first, then the board state. */
function receive(state: BoardState, frame: unknown): BoardState {
  const parsed = v.safeParse(annotationDownFrameSchema, frame);
  return parsed.success ? receiveFrame(state, parsed.output).state : state;
}

describe('the app’s annotation boards: any sequence of frames from the feed', () => {
  test('never throws; a frame the schema refuses changes nothing; the revision never goes back', () => {
    fc.assert(
      fc.property(fc.array(nearValid(downFrame), { maxLength: 25 }), (frames) => {
        let state = emptyBoardState;
        for (const frame of frames) {
          const next = receive(state, frame);
          if (!v.is(annotationDownFrameSchema, frame)) expect(next).toBe(state);
          expect(next.rev).toBeGreaterThanOrEqual(state.rev);
          for (const strokes of next.boards.values()) for (const stroke of strokes) expect(stroke.points.length % 2).toBe(0);
          state = next;
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
