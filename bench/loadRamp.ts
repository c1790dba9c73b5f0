/**
 * Ramps one LoadTarget up: adds consumers step by step and, after each step, measures a window: loss and packet
 * rate at the sampled consumers (every `sampleEvery`-th goes to the counting sink, the rest to the drain), the
 * producer's packet rate and the CPU of the worker(s), the sink and this process from /proc.
 */
import { cpuTicks, Sink } from './loadProcesses.ts';
import { cpuShare, verdict, type StepVerdict } from './loadStats.ts';
import type { LoadTarget } from './loadTargets.ts';

export type RampOptions = {
  start: number;
  step: number;
  max: number;
  sampleEvery: number;
  warmupMs: number;
  windowMs: number;
  /** No step starts after this time (Date.now()). */
  deadline: number;
};

export type Step = StepVerdict & {
  consumers: number;
  sampled: number;
  producerPps: number;
  /** CPU share of one core over the window, per worker. */
  workerCpu: number[];
  sinkCpu: number;
  benchCpu: number;
};

export type Ramp = { target: string; steps: Step[]; /** Largest consumer count that held, every smaller step holding too. */ limit: number };

/** A step whose consumers take longer than this to create ends the bench: something is wrong, not slow. */
const BUILD_LIMIT_MS = 90_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** One measuring window at the current load (the sink's counters restart at its start). */
export async function measure(target: LoadTarget, sink: Sink, consumers: number, sampled: number, windowMs: number): Promise<Step> {
  const pids = target.workerPids();
  const before = { workers: pids.map(cpuTicks), sink: cpuTicks(sink.pid), bench: cpuTicks(process.pid), packets: await target.producerPackets() };
  await sink.reset();
  const started = performance.now();
  await sleep(windowMs);
  const windows = await sink.report();
  const seconds = (performance.now() - started) / 1000;
  const packets = await target.producerPackets();
  const producerPps = (packets - before.packets) / seconds;
  return {
    consumers,
    sampled,
    producerPps,
    ...verdict(windows, producerPps, seconds),
    workerCpu: pids.map((pid, i) => cpuShare(before.workers[i]!, cpuTicks(pid), seconds)),
    sinkCpu: cpuShare(before.sink, cpuTicks(sink.pid), seconds),
    benchCpu: cpuShare(before.bench, cpuTicks(process.pid), seconds),
  };
}

export function describeStep(step: Step): string {
  const cpu = step.workerCpu.map((share) => `${(share * 100).toFixed(0)} %`).join(' + ');
  return (
    `${String(step.consumers).padStart(5)} consumers: loss ${pct(step.meanLoss)} (worst ${pct(step.worstLoss)}), ` +
    `rate ${(step.rateRatio * 100).toFixed(1)} % of the producer's ${step.producerPps.toFixed(1)} pkt/s, ` +
    `worker CPU ${cpu}, sink ${(step.sinkCpu * 100).toFixed(0)} %, bench ${(step.benchCpu * 100).toFixed(0)} %` +
    `${step.holds ? '' : '  ✗'}`
  );
}

/**
 * Adds consumers until a step fails twice in a row (a failing step is measured once more), `max` or the deadline.
 * The consumers stay until the target closes; so does `keepSink`, when given (for further windows at that load).
 */
export async function ramp(target: LoadTarget, drainPorts: number[], options: RampOptions, keepSink?: Sink): Promise<Ramp> {
  const sink = keepSink ?? new Sink();
  const steps: Step[] = [];
  let limit = 0;
  let consumers = 0;
  let sampled = 0;
  try {
    for (let goal = options.start; goal <= options.max && Date.now() < options.deadline; goal += options.step) {
      const wanted = Math.ceil(goal / options.sampleEvery) - sampled;
      const sinkPorts = wanted > 0 ? await sink.open(wanted) : [];
      let nextSinkPort = 0;
      await target.setFlowing(false);
      const building = Date.now();
      while (consumers < goal) {
        if (Date.now() - building > BUILD_LIMIT_MS) throw new Error(`adding consumers took over ${BUILD_LIMIT_MS / 1000} s at ${consumers}`);
        const batch: Promise<void>[] = [];
        for (; consumers < goal && batch.length < 25; consumers++) {
          const port = consumers % options.sampleEvery === 0 ? sinkPorts[nextSinkPort++]! : drainPorts[consumers % drainPorts.length]!;
          batch.push(target.addConsumer(port, consumers));
        }
        await Promise.all(batch);
      }
      sampled += sinkPorts.length;
      await target.setFlowing(true);
      await sleep(options.warmupMs);
      let step = await measure(target, sink, consumers, sampled, options.windowMs);
      process.stdout.write(`  ${describeStep(step)}\n`);
      if (!step.holds) {
        steps.push(step);
        step = await measure(target, sink, consumers, sampled, options.windowMs);
        process.stdout.write(`  ${describeStep(step)}  (measured again)\n`);
      }
      steps.push(step);
      if (!step.holds) break;
      limit = consumers;
    }
  } finally {
    if (!keepSink) sink.close();
  }
  return { target: target.name, steps, limit };
}
