import { OutgoingTransfer, type OutgoingContext } from './outgoing.ts';
import type { FileControl, FileLink } from './ports.ts';
import type { SendPlan } from './sendPlan.ts';
import { FakeSource, patternBytes } from './testFakes.ts';
import { defaultTuning } from './tuning.ts';

/* One outgoing transfer on a fake clock, pumped by hand, for the sender's unit tests (outgoing*.test.ts). */

export const KiB = 1024;
export const CHUNK = 64 * KiB;
export const WINDOW = 512 * KiB;
export const keyB = 'b'.repeat(64);
export const keyC = 'c'.repeat(64);

/** A transfer of `size` bytes offered to `to`, its context, and a pump that sends whatever it plans. */
export function setup(size: number, to = ['b']) {
  let clock = 1_000;
  const done: unknown[] = [];
  const control = { done: async (data: unknown) => void done.push(data) } as unknown as FileControl;
  const counters = { bytesSent: 0, bytesResent: 0, bytesReceived: 0, framesDiscarded: 0 };
  const ctx: OutgoingContext = {
    control,
    counters,
    tuning: { ...defaultTuning, sendWindow: WINDOW, goBackAfterMs: 3_000 },
    now: () => clock,
    changed: () => {},
    wake: () => {},
    persist: () => {},
  };
  const source = new FakeSource('f.bin', patternBytes(size));
  const link = { audience: [] } as unknown as FileLink;
  return {
    ctx,
    counters,
    done,
    source,
    advance: (ms: number) => (clock += ms),
    create: () =>
      OutgoingTransfer.create(
        source,
        to.map((peerId) => ({ peerId })),
        false,
        ctx,
      ),
    /** Sends what the transfer plans, as the pump would, until it plans nothing; returns the plans. */
    pump(transfer: OutgoingTransfer, max = Infinity): SendPlan[] {
      const plans: SendPlan[] = [];
      for (let plan = transfer.plan(); plan && plans.length < max; plan = transfer.plan()) {
        transfer.sent(plan, link);
        plans.push(plan);
      }
      return plans;
    },
  };
}

export const accept = (transfer: OutgoingTransfer, peerId: string, key: string) =>
  transfer.answered({ transferId: transfer.id, peerId, accept: true, key });
export const ack = (transfer: OutgoingTransfer, peerId: string, key: string, offset: number) =>
  transfer.acked({ transferId: transfer.id, peerId, key, offset });
export const resume = (transfer: OutgoingTransfer, peerId: string, key: string, offset: number) =>
  transfer.resumeFrom({ transferId: transfer.id, peerId, key, offset });

