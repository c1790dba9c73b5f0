/**
 * The light receivers' far end, run as its own process (so its CPU is counted apart from the worker's): UDP sockets
 * on loopback that count RTP packets by sequence number. Driven over the IPC channel by load.bench.ts:
 * `{ open: n }` → `{ ports }`, `{ reset: true }` → `{ reset: true }`, `{ report: true }` → `{ windows, seconds }`.
 * Exits when its parent goes away.
 */
import dgram from 'node:dgram';
import { countPacket, emptyWindow, type SeqWindow } from './loadStats.ts';

const PROBATION_SSRC = 1234;

type Command = { open: number } | { reset: true } | { report: true };

const sockets: dgram.Socket[] = [];
let windows: SeqWindow[] = [];
/** When the counters last restarted, on this process's clock: a starved parent's requests arrive late. */
let resetAt = performance.now();

async function open(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    const index = sockets.length;
    sockets.push(socket);
    windows.push(emptyWindow());
    socket.on('message', (packet) => {
      // RTP version 2; RTCP (payload types 200–207 with the marker bit) shares the port (rtcpMux) and is skipped.
      if (packet.length < 12 || packet[0]! >> 6 !== 2) return;
      const second = packet[1]!;
      if (second >= 200 && second <= 207) return;
      // mediasoup's bandwidth probation packets (SSRC 1234, their own sequence numbers) are not the stream.
      if (packet.readUInt32BE(8) === PROBATION_SSRC) return;
      countPacket(windows[index]!, packet.readUInt16BE(2));
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    ports.push(socket.address().port);
  }
  return ports;
}

process.on('message', (command: Command) => {
  if ('open' in command) void open(command.open).then((ports) => process.send?.({ ports }));
  else if ('reset' in command) {
    windows = windows.map(emptyWindow);
    resetAt = performance.now();
    process.send?.({ reset: true });
  } else if ('report' in command) process.send?.({ windows, seconds: (performance.now() - resetAt) / 1000 });
});
process.on('disconnect', () => process.exit(0));
