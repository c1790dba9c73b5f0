import { execFileSync } from 'node:child_process';
import type { TestNetwork } from './netns.ts';

/**
 * Limits the namespace's downlink (what the host sends into it) to `kbit` kbit/s with a token bucket, as a weak
 * phone link: a queue of at most ~200 ms, then drops. This kernel has `tbf` but not `netem`
 * (../shared/notes/toolchain.md). `null` takes the limit off.
 */
export function shapeDownlink(network: TestNetwork, kbit: number | null): void {
  const dev = network.hostInterface;
  try {
    execFileSync('tc', ['qdisc', 'del', 'dev', dev, 'root'], { stdio: 'pipe' });
  } catch {
    // no qdisc yet
  }
  if (kbit === null) return;
  // The burst must hold at least one full-size packet; 16 kbit (2 KB) is a phone-like small bucket.
  execFileSync('tc', ['qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '16kbit', 'latency', '200ms'], {
    stdio: 'pipe',
  });
}
