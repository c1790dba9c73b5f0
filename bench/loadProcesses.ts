/**
 * The load bench's helper processes, each bounded and killed when the bench ends (normally, on an error or on a
 * signal): the UDP sink (loadSink.ts), the drain (sockets never read), ffmpeg replaying a pre-encoded clip over RTP,
 * and CPU readings from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ticksOfStatLine, type SeqWindow } from './loadStats.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const children = new Set<ChildProcess>();
/** mediasoup workers the bench started: a saturated one may outlive its parent for minutes. */
const workerPids = new Set<number>();

/** Kills this worker too when the bench ends. */
export function ownWorker(pid: number): void {
  workerPids.add(pid);
}

function own(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every process the bench started (by its own handle, nothing else). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  for (const pid of workerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  workerPids.clear();
}
process.once('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

/** utime + stime of a process, in clock ticks; 0 once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    return ticksOfStatLine(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return 0;
  }
}

/** The counting sink in its own process, spoken to over IPC. */
export class Sink {
  readonly #child: ChildProcess;
  #replies: ((message: unknown) => void)[] = [];

  constructor() {
    this.#child = own(spawn(process.execPath, [path.join(here, 'loadSink.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.#child.on('message', (message) => this.#replies.shift()?.(message));
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  #ask<T>(command: object): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sink did not answer ${JSON.stringify(command)} in 30 s`)), 30_000);
      this.#replies.push((message) => {
        clearTimeout(timer);
        resolve(message as T);
      });
      this.#child.send(command);
    });
  }

  async open(count: number): Promise<number[]> {
    return (await this.#ask<{ ports: number[] }>({ open: count })).ports;
  }

  async reset(): Promise<void> {
    await this.#ask({ reset: true });
  }

  /** What each socket counted since the last reset, and how long that was on the sink's own clock. */
  async report(): Promise<{ windows: SeqWindow[]; seconds: number }> {
    return this.#ask<{ windows: SeqWindow[]; seconds: number }>({ report: true });
  }

  close(): void {
    this.#child.kill('SIGKILL');
  }
}

/**
 * UDP sockets that are bound but never read, for the consumers the sink does not sample: the kernel still delivers
 * every packet up to the full socket queue (the worker's sendmsg does that work on loopback), then drops it, so
 * the worker pays what it pays for a real receiver while no process spends a core reading them.
 */
export async function startDrain(count: number): Promise<{ ports: number[]; stop(): void }> {
  const script = [
    'import socket, sys',
    'socks = []',
    `for _ in range(${count}):`,
    '    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    '    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)',
    "    s.bind(('127.0.0.1', 0))",
    '    socks.append(s)',
    "print(' '.join(str(s.getsockname()[1]) for s in socks), flush=True)",
    'sys.stdin.read()',
  ].join('\n');
  const child = own(spawn('/usr/bin/python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('drain did not start in 10 s')), 10_000);
    child.stdout?.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString());
    });
  });
  return { ports: line.trim().split(' ').map(Number), stop: () => child.kill('SIGKILL') };
}

/**
 * A 640×360 30 fps VP8 clip at 600 kbit/s CBR with a key frame every 30 frames, encoded once and kept: encoding
 * live would cost far more CPU than the forwarding being measured.
 */
export function ensureClip(): string {
  const dir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huddle', 'bench');
  const clip = path.join(dir, 'load-clip-640x360-vp8-600k.webm');
  if (existsSync(clip)) return clip;
  mkdirSync(dir, { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '20'];
  const vp8 = ['-c:v', 'libvpx', '-b:v', '600k', '-minrate', '600k', '-maxrate', '600k', '-bufsize', '300k'];
  const realtime = ['-deadline', 'realtime', '-cpu-used', '8', '-g', '30', '-keyint_min', '30', '-an'];
  const result = spawnSync('ffmpeg', [...args, ...vp8, ...realtime, `${clip}.tmp.webm`], { stdio: 'inherit', timeout: 120_000 });
  if (result.status !== 0) throw new Error('ffmpeg could not encode the load clip');
  spawnSync('mv', [`${clip}.tmp.webm`, clip]);
  return clip;
}

export const CLIP_SSRC = 22_222_222;
export const CLIP_PAYLOAD_TYPE = 101;

/** ffmpeg replaying the clip in real time (stream copy: ~1 % CPU) to a comedia PlainTransport's RTP and RTCP ports. */
export function startSender(clip: string, rtpPort: number, rtcpPort: number): { stop(): void } {
  const target = `rtp://127.0.0.1:${rtpPort}?rtcpport=${rtcpPort}&pkt_size=1200`;
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-map', '0:v:0', '-c', 'copy'];
  const rtp = ['-f', 'rtp', '-ssrc', String(CLIP_SSRC), '-payload_type', String(CLIP_PAYLOAD_TYPE), target];
  const child = own(spawn('ffmpeg', [...args, ...rtp], { stdio: ['ignore', 'ignore', 'inherit'] }));
  return { stop: () => child.kill('SIGKILL') };
}
