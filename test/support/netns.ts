import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A second "host" on this machine: a network namespace joined to the main one by a veth pair, so a browser inside
 * it reaches the server over a link the test can cut and restore, as a phone's Wi-Fi drops. Needs root (CI is).
 */
export type TestNetwork = {
  /** The server side's address (bind the server here); the namespace side is `.2`. */
  hostAddress: string;
  /** A Chromium executable path that runs Chromium inside the namespace. */
  chromiumInside: string;
  /** The host side of the veth pair: what leaves through it is the namespace's downlink (see shaping.ts). */
  hostInterface: string;
  cut(): void;
  restore(): void;
  remove(): void;
};

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export function createTestNetwork(): TestNetwork {
  const id = process.pid % 10_000;
  const ns = `huddle${id}`;
  const hostSide = `hh${id}`;
  const nsSide = `hn${id}`;
  const subnet = `10.77.${id % 250}`;
  const remove = () => {
    try {
      ip('link', 'del', hostSide);
    } catch {
      // already gone
    }
    try {
      ip('netns', 'del', ns);
    } catch {
      // already gone
    }
  };
  remove();
  ip('netns', 'add', ns);
  ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
  ip('link', 'set', nsSide, 'netns', ns);
  ip('addr', 'add', `${subnet}.1/24`, 'dev', hostSide);
  ip('link', 'set', hostSide, 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/24`, 'dev', nsSide);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up');
  ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  const chromiumInside = path.join(os.tmpdir(), `huddle-chromium-in-${ns}.sh`);
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  writeFileSync(chromiumInside, `#!/bin/sh\nexec ip netns exec ${ns} ${chromium} "$@"\n`);
  chmodSync(chromiumInside, 0o755);
  return {
    hostAddress: `${subnet}.1`,
    chromiumInside,
    hostInterface: hostSide,
    cut: () => ip('link', 'set', hostSide, 'down'),
    restore: () => ip('link', 'set', hostSide, 'up'),
    remove,
  };
}
