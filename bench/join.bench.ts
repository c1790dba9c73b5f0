/**
 * Join → first remote frame, in real Chromium against the real server and mediasoup on loopback, and where that
 * time goes. One host stays in the room with its fake camera; each run opens a fresh phone-sized page, clicks Join
 * and records (inside the page, see joinProbe.ts) every step from the click to the first shown frame of the host's
 * camera. Prints p50/p95 of each step, every signaling request's round trip, and the old measure (click → the
 * tile's video has a width) as the baseline.
 * Run: npm run bench:join [-- <joins> [<time budget s>]]   (defaults: 20 joins, at most 240 s)
 */
import type { Page } from 'playwright-core';
import { expectVideoPlaying, joinRoom, launchBrowser, openPhone } from '../test/support/browser.ts';
import { recordPeerConnections } from '../test/support/rtcStats.ts';
import { startServer } from '../test/support/server.ts';
import { breakdown, increments, MILESTONES, percentile, type JoinBreakdown } from './joinBreakdown.ts';
import { joinProbeInitScript, type ProbeEvent, type ProbeWindow } from './joinProbe.ts';

const joins = Number(process.argv[2] ?? 20);
const budgetMs = Number(process.argv[3] ?? 240) * 1000;
const TILE = 'Host camera';

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '—');
const pad = (text: string, width: number) => text.padEnd(width);

/** The host's encoder: PLIs it was sent and key frames it made, over all its simulcast layers. */
async function hostKeyFrames(page: Page): Promise<{ pli: number; keyFrames: number }> {
  return page.evaluate(async () => {
    let pli = 0;
    let keyFrames = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      for (const s of (await pc.getStats()).values() as IterableIterator<Record<string, unknown>>) {
        if (s.type === 'outbound-rtp' && s.kind === 'video') {
          pli += Number(s.pliCount ?? 0) + Number(s.firCount ?? 0);
          keyFrames += Number(s.keyFramesEncoded ?? 0);
        }
      }
    }
    return { pli, keyFrames };
  });
}

const server = await startServer({ LOG_LEVEL: 'warn' });
const browser = await launchBrowser();
const results: (JoinBreakdown & { hostPli: number; hostKeyFrames: number })[] = [];
const started = Date.now();
try {
  const host = await openPhone(browser);
  await recordPeerConnections(host.page);
  await joinRoom(host.page, server.url, 'bench', 'Host');
  for (let run = 0; run < joins + 1; run++) {
    if (run > 1 && Date.now() - started > budgetMs) {
      process.stdout.write(`time budget (${budgetMs / 1000} s) spent: stopping after ${run - 1} joins\n`);
      break;
    }
    const guest = await openPhone(browser);
    await guest.context.addInitScript(joinProbeInitScript, TILE);
    await guest.page.goto(`${server.url}/r/bench`);
    await guest.page.getByRole('textbox', { name: 'Name' }).fill(`Guest ${run}`);
    const before = await hostKeyFrames(host.page);
    await guest.page.getByRole('button', { name: 'Join' }).click();
    await expectVideoPlaying(guest.page, TILE);
    await guest.page.waitForFunction(
      () => (window as unknown as ProbeWindow).__joinProbe.events.some((e) => e.kind === 'video' && e.what === 'shown'),
      undefined,
      { timeout: 10_000 },
    );
    const events = await guest.page.evaluate(() => (window as unknown as ProbeWindow).__joinProbe.events as ProbeEvent[]);
    const after = await hostKeyFrames(host.page);
    const result = { ...breakdown(events), hostPli: after.pli - before.pli, hostKeyFrames: after.keyFrames - before.keyFrames };
    // The first run warms up the server's code paths and Chromium's caches; it is not counted.
    if (run > 0) results.push(result);
    process.stdout.write(
      `join ${run}${run === 0 ? ' (warm-up)' : ''}: first shown ${ms(result.at['first shown'] ?? NaN)}, ` +
        `baseline ${ms(result.baseline)}, host PLIs ${result.hostPli}, key frames ${result.hostKeyFrames}\n`,
    );
    // Leave as a person would, so the next guest finds only the host (a closed page would linger as a ghost peer
    // for the server's grace period, and every later join would consume its streams too).
    await guest.page.getByRole('button', { name: 'Leave' }).click();
    await guest.page.getByRole('button', { name: 'Join' }).waitFor({ timeout: 10_000 });
    await guest.context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
report(results);

function report(list: typeof results): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const p = (values: (number | undefined)[], unit = ms) => {
    const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
    return `${pad(unit(percentile(known, 50)), 8)} ${pad(unit(percentile(known, 95)), 8)}`;
  };
  const count = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '—');
  out(`\nWhere the time goes over ${list.length} joins (ms after the Join click; "adds" = what the step adds to the`);
  out('critical path after every step listed above it, so the adds sum to the last step; 0 = it overlapped):');
  out(`${pad('step', 22)} ${pad('at p50', 8)} ${pad('at p95', 8)} ${pad('adds p50', 8)} ${pad('adds p95', 8)} what`);
  const added = list.map((r) => increments(r.at));
  for (const [name, what] of MILESTONES) {
    out(`${pad(name, 22)} ${p(list.map((r) => r.at[name]))} ${p(added.map((a) => a[name]))} ${what}`);
  }
  out(`${pad('baseline (old measure)', 22)} ${p(list.map((r) => r.baseline))} click → the tile's <video> has a width`);

  out('\nSignaling requests in the order sent (n-th of that method), p50/p95 of when sent and of the round trip:');
  const keys: string[] = [];
  const byKey = new Map<string, { sentAt: number[]; roundTrip: number[] }>();
  for (const r of list) {
    const seen = new Map<string, number>();
    for (const request of r.requests) {
      const n = (seen.get(request.method) ?? 0) + 1;
      seen.set(request.method, n);
      const key = `${request.method} #${n}`;
      if (!byKey.has(key)) {
        byKey.set(key, { sentAt: [], roundTrip: [] });
        keys.push(key);
      }
      byKey.get(key)?.sentAt.push(request.sentAt);
      byKey.get(key)?.roundTrip.push(request.roundTrip);
    }
  }
  keys.sort((a, b) => percentile(byKey.get(a)?.sentAt ?? [], 50) - percentile(byKey.get(b)?.sentAt ?? [], 50));
  out(`${pad('request', 22)} ${pad('sent p50', 8)} ${pad('sent p95', 8)} ${pad('rtt p50', 8)} ${pad('rtt p95', 8)} joins`);
  for (const key of keys) {
    const entry = byKey.get(key);
    if (!entry || percentile(entry.sentAt, 50) > 5_000) continue; // keepalives and later chatter
    out(`${pad(key, 22)} ${p(entry.sentAt)} ${p(entry.roundTrip)} ${entry.sentAt.length}`);
  }

  const frames = list.map((r) => r.firstFrame).filter((f) => f !== undefined);
  out(
    `\nFirst video frame: packets seen at the first poll with any ${p(frames.map((f) => f.packetsAtFirstPacket), count).trim()}, ` +
      `at the first decode ${p(frames.map((f) => f.packetsAtDecode), count).trim()}; joins whose receiver sent a PLI/FIR before ` +
      `decoding: ${frames.filter((f) => f.pliSent + f.firSent > 0).length}/${frames.length}; getStats answered ` +
      `${p(frames.map((f) => f.statsLag)).trim()} after the first packet; host PLIs per join ` +
      `${p(list.map((r) => r.hostPli), count).trim()}, key frames encoded per join ${p(list.map((r) => r.hostKeyFrames), count).trim()}`,
  );
  const total = list.map((r) => r.at['first shown'] ?? NaN);
  out(`\njoin → first shown frame: p50 ${ms(percentile(total, 50))}, p95 ${ms(percentile(total, 95))}`);
  out(`join → first remote frame (baseline): p50 ${ms(percentile(list.map((r) => r.baseline), 50))}, p95 ${ms(percentile(list.map((r) => r.baseline), 95))}`);
}
