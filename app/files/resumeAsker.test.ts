import { describe, expect, test } from 'vitest';
import { ResumeAsker } from './resumeAsker.ts';
import { defaultTuning } from './tuning.ts';

describe('asking a silent sender to resume', () => {
  function asker() {
    let now = 0;
    const asked: { offset: number; at: number }[] = [];
    const resume = new ResumeAsker({
      send: async (offset) => void asked.push({ offset, at: now }),
      wanted: () => true,
      failed: () => {},
      tuning: defaultTuning,
      now: () => now,
    });
    return { resume, asked, at: (ms: number) => (now = ms) };
  }

  test('a request that got through and is not answered yet is repeated ever more patiently, not every few seconds', () => {
    const { resume, asked, at } = asker();
    resume.ask(4096); // after the rejoin: the sender goes back to 4096 and sends a window
    // Checked every second while nothing arrives (a page slow after its reload): each repeat waits twice as long.
    for (let ms = 1_000; ms <= 60_000; ms += 1_000) {
      at(ms);
      resume.askIfIdle(4096, -Infinity);
    }
    const idle = defaultTuning.idleResumeMs;
    expect(asked.map((request) => request.at)).toEqual([0, 2 * idle, 2 * idle + 4 * idle, 2 * idle + 4 * idle + 8 * idle, 2 * idle + 4 * idle + 16 * idle].filter((ms) => ms <= 60_000));
  });

  test('once bytes arrived, silence is asked about after the plain idle time again', () => {
    const { resume, asked, at } = asker();
    resume.ask(0);
    at(1_000);
    resume.askIfIdle(65_536, 900); // a chunk came at 0.9 s; then silence
    at(900 + defaultTuning.idleResumeMs - 1);
    resume.askIfIdle(65_536, 900);
    expect(asked).toHaveLength(1);
    at(900 + defaultTuning.idleResumeMs);
    resume.askIfIdle(65_536, 900);
    expect(asked.at(-1)).toEqual({ offset: 65_536, at: 900 + defaultTuning.idleResumeMs });
  });

  test('a retry pending when bytes arrive again is dropped: it would send the sender back to where it was', async () => {
    let now = 0;
    const asked: number[] = [];
    let fail = true;
    const resume = new ResumeAsker({
      send: async (offset) => {
        asked.push(offset);
        if (fail) throw new Error('not_found: the sender is not here');
      },
      wanted: () => true,
      failed: () => {},
      tuning: { ...defaultTuning, resumeRetryMs: 20 },
      now: () => now,
    });
    resume.ask(4096); // back before the sender (a restarted server): not found, retried later
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(resume.retrying).toBe(true);
    fail = false;
    resume.flowing(); // the sender came back and heard of us another way: its bytes arrive
    now = 50;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(asked).toEqual([4096]);
    expect(resume.retrying).toBe(false);
  });
});
