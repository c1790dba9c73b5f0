import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { expectVideoPlaying, joinRoom, openPhone, peerIdOf, tile } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat } from '../support/chat.ts';
import { metricOf } from '../support/metrics.ts';
import { waitUntil } from '../support/poll.ts';
import { useServerAndBrowser } from '../support/environment.ts';

/*
 * One room over two mediasoup workers: three people, each on the least loaded worker, see and hear each other and
 * chat through the pipes between the room's routers. The worker under some of them dies: those people come back by
 * themselves (no reload), the others' call is never cut.
 */

const env = useServerAndBrowser({ MEDIASOUP_WORKERS: '2' });

type RoomOnWorkers = { id: string; workerPid: number; peerWorkerPids: Record<string, number> };

async function roomOnWorkers(id: string): Promise<RoomOnWorkers> {
  const rooms = (await (await fetch(`${env.server.url}/__test/rooms`)).json()) as RoomOnWorkers[];
  const room = rooms.find((candidate) => candidate.id === id);
  if (!room) throw new Error(`room ${id} is not open`);
  return room;
}

const NAMES = ['Alice', 'Bob', 'Carol'] as const;
type Name = (typeof NAMES)[number];

/** Resolves once every page plays every other person's camera. */
async function everyoneSeesEveryone(pages: Record<Name, Page>, timeout?: number): Promise<void> {
  await Promise.all(
    NAMES.flatMap((viewer) => NAMES.filter((other) => other !== viewer).map((other) => expectVideoPlaying(pages[viewer], `${other} camera`, timeout))),
  );
}

/** Everyone's peer id, as the others' tiles name it. */
async function peerIds(pages: Record<Name, Page>): Promise<Record<Name, string>> {
  return {
    Alice: await peerIdOf(pages.Bob, 'Alice camera'),
    Bob: await peerIdOf(pages.Alice, 'Bob camera'),
    Carol: await peerIdOf(pages.Alice, 'Carol camera'),
  };
}

/** Frames decoded so far by the video in that tile (0 while there is none). */
function framesOf(page: Page, label: string): Promise<number> {
  return tile(page, label)
    .locator('video')
    .evaluate((video: HTMLVideoElement) => video.getVideoPlaybackQuality().totalVideoFrames)
    .catch(() => 0);
}

/**
 * Samples the given videos every 250 ms until stopped; resolves with the longest time any of them went without a
 * new decoded frame (so about 250 ms while all play).
 */
function watchVideos(watched: { page: Page; label: string }[]): { stop(): Promise<number> } {
  let running = true;
  const done = (async () => {
    const last = await Promise.all(watched.map(async ({ page, label }) => ({ frames: await framesOf(page, label), at: Date.now() })));
    let longestStall = 0;
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const [index, { page, label }] of watched.entries()) {
        const frames = await framesOf(page, label);
        const previous = last[index]!;
        longestStall = Math.max(longestStall, Date.now() - previous.at);
        if (frames > previous.frames) last[index] = { frames, at: Date.now() };
      }
    }
    return longestStall;
  })();
  return {
    stop: () => {
      running = false;
      return done;
    },
  };
}

const navigations = (page: Page) => page.evaluate(() => performance.getEntriesByType('navigation').length);

describe('one room across two workers', () => {
  test('three people spread over both workers see each other and chat; a worker killed under some of them: they come back by themselves, the others are never cut', async () => {
    const pages = {} as Record<Name, Page>;
    for (const name of NAMES) {
      pages[name] = (await openPhone(env.browser)).page;
      await joinRoom(pages[name], env.server.url, 'across', name);
    }
    await everyoneSeesEveryone(pages);
    // Spread over both workers, joined by pipes: the operator sees it in /metrics.
    expect(await metricOf(env.server, 'huddle_worker_peers{worker="0"}')).toBeGreaterThanOrEqual(1);
    expect(await metricOf(env.server, 'huddle_worker_peers{worker="1"}')).toBeGreaterThanOrEqual(1);
    expect(await metricOf(env.server, 'huddle_routers')).toBe(2);
    expect(await metricOf(env.server, 'huddle_pipes{kind="media"}')).toBeGreaterThanOrEqual(2);
    expect(await metricOf(env.server, 'huddle_pipes{kind="data"}')).toBeGreaterThanOrEqual(2);

    for (const name of NAMES) await openChat(pages[name]);
    await sendChat(pages.Bob, 'hello from Bob');
    await sendChat(pages.Carol, 'hello from Carol');
    for (const name of NAMES) await expectChatShows(pages[name], ['hello from Bob', 'hello from Carol']);

    // The worker under some people, not the room's home one (that case: worker-crash.test.ts).
    const before = await peerIds(pages);
    const room = await roomOnWorkers('across');
    const doomedPid = Object.values(room.peerWorkerPids).find((pid) => pid !== room.workerPid)!;
    const doomed = NAMES.filter((name) => room.peerWorkerPids[before[name]] === doomedPid);
    const survivors = NAMES.filter((name) => !doomed.includes(name));
    expect(doomed.length).toBeGreaterThanOrEqual(1);
    expect(survivors.length).toBeGreaterThanOrEqual(1);
    for (const name of NAMES) await pages[name].evaluate(() => Object.assign(window, { __beforeKill: true }));
    const loads = await Promise.all(NAMES.map((name) => navigations(pages[name])));
    // Survivors watching each other (when two survived) must not notice anything; each sees its own camera too.
    const survivorVideos = survivors.flatMap((viewer) =>
      survivors.filter((other) => other !== viewer).map((other) => ({ page: pages[viewer], label: `${other} camera` })),
    );
    const watch = watchVideos(survivorVideos);

    process.kill(doomedPid, 'SIGKILL');
    const killedAt = Date.now();

    // The people on it rejoin by themselves (new peer ids), and everyone sees everyone again.
    await waitUntil(
      async () => {
        const now = await peerIds(pages).catch(() => undefined);
        return !!now && doomed.every((name) => now[name] !== before[name]);
      },
      'the people on the dead worker to rejoin',
      20_000,
    );
    await everyoneSeesEveryone(pages, 20_000);
    const recoveredMs = Date.now() - killedAt;
    const after = await peerIds(pages);
    const longestStall = await watch.stop();
    process.stdout.write(
      `${doomed.join(', ')} back and everyone plays ${recoveredMs} ms after the worker was killed; survivors' longest stall between themselves ${survivorVideos.length > 0 ? `${longestStall} ms` : 'n/a (one survivor)'}\n`,
    );
    if (survivorVideos.length > 0) expect(longestStall).toBeLessThan(2_000);

    // The survivors' call was never cut: same peers, and no page was reloaded.
    for (const name of survivors) expect(after[name]).toBe(before[name]);
    expect(await Promise.all(NAMES.map((name) => navigations(pages[name])))).toEqual(loads);
    expect(await Promise.all(NAMES.map((name) => pages[name].evaluate(() => (window as { __beforeKill?: boolean }).__beforeKill)))).toEqual([
      true,
      true,
      true,
    ]);
    expect(recoveredMs).toBeLessThan(20_000);
    // Chat carries on, both ways, for everyone.
    await sendChat(pages[doomed[0]!], 'back again');
    await sendChat(pages[survivors[0]!], 'welcome back');
    for (const name of NAMES) await expectChatShows(pages[name], ['hello from Bob', 'hello from Carol', 'back again', 'welcome back']);
    expect(await tile(pages.Alice, 'Bob camera').count()).toBe(1);
    expect(env.server.process.exitCode).toBeNull();
  }, 180_000);
});
