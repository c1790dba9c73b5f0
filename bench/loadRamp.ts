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

/** A worker this busy that does not answer a stats request within this time is past its limit. */
const STATS_TIMEOUT_MS = 5_000;

/** The producer's packet count and when it came; NaN when the worker did not answer in time. */
async function producerCount(target: LoadTarget): Promise<{ packets: number; at: number }> {
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(NaN), STATS_TIMEOUT_MS).unref());
  const packets = await Promise.race([target.producerPackets(), timeout]);
  return { packets, at: performance.now() };
}

/**
 * One measuring window at the current load. Each figure is timed on its own clock, since a saturated machine
 * answers late: the sink's counts over the sink's time since its reset, the producer's packets between the two
 * answers of the worker, the CPU readings over the sleep between them.
 */
export async function measure(target: LoadTarget, sink: Sink, consumers: number, sampled: number, windowMs: number): Promise<Step> {
  const pids = target.workerPids();
  const producerBefore = await producerCount(target);
  await sink.reset();
  const cpuAt = performance.now();
  const cpu = { workers: pids.map(cpuTicks), sink: cpuTicks(sink.pid), bench: cpuTicks(process.pid) };
  await sleep(windowMs);
  const cpuSeconds = (performance.now() - cpuAt) / 1000;
  const workerCpu = pids.map((pid, i) => cpuShare(cpu.workers[i]!, cpuTicks(pid), cpuSeconds));
  const sinkCpu = cpuShare(cpu.sink, cpuTicks(sink.pid), cpuSeconds);
  const benchCpu = cpuShare(cpu.bench, cpuTicks(process.pid), cpuSeconds);
  const report = await sink.report();
  const producerAfter = await producerCount(target);
  const producerPps = (producerAfter.packets - producerBefore.packets) / ((producerAfter.at - producerBefore.at) / 1000);
  const held = verdict(report.windows, Number.isFinite(producerPps) ? producerPps : 0, report.seconds);
  return { consumers, sampled, producerPps, ...held, workerCpu, sinkCpu, benchCpu };
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
 * Adds consumers until a step fails (a near miss is measured once more), `max` or the deadline.
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
      // A near miss is measured once more (the machine is shared); a clear failure ends the ramp at once, as a
      // saturated worker makes every further request slow.
      if (!step.holds && step.meanLoss < 0.05 && step.rateRatio > 0.9) {
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
