import { spawn } from 'node:child_process';
import { beforeEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { useRedis } from '../testing/redis.ts';
import { RoomDirectory } from './directory.ts';
import { channels, keys } from './keys.ts';
import type { BusMessage } from './messages.ts';
import { SERVER_TTL_MS, ServerRegistry } from './registry.ts';

const redis = useRedis();

async function serverOf(serverId: string, address: string) {
  const { bus, commands } = await redis.bus(serverId);
  const registry = new ServerRegistry(commands, bus, address);
  const directory = new RoomDirectory(commands, registry);
  return { bus, registry, directory, commands };
}

/** A server in a process of its own that hosts `room` with 3 people; resolves once it is in the service. */
function startDoomedServer(serverId: string, room: string) {
  const script = `
    import { ClusterBus } from './server/cluster/bus.ts';
    import { RoomDirectory } from './server/cluster/directory.ts';
    import { connectRedis } from './server/cluster/redis.ts';
    import { ServerRegistry } from './server/cluster/registry.ts';
    const commands = connectRedis(${JSON.stringify(redis.url)}, 'commands');
    const subscriber = connectRedis(${JSON.stringify(redis.url)}, 'subscriber');
    await Promise.all([commands.connect(), subscriber.connect()]);
    const registry = new ServerRegistry(commands, new ClusterBus(${JSON.stringify(serverId)}, commands, subscriber), '10.0.0.9');
    const directory = new RoomDirectory(commands, registry);
    await registry.start();
    await directory.hosting(${JSON.stringify(room)}, 3);
    process.stdout.write('in the service\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('in the service')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`doomed server exited with ${code}: ${output}`)));
  });
  return { child, ready };
}

beforeEach(async () => {
  const cleaner = await redis.connect('commands');
  await cleaner.flushall();
  cleaner.disconnect();
});

describe('the registry of servers', () => {
  test('a server that dies (SIGKILL, no goodbye) leaves the service within seconds, and its rooms the directory', async () => {
    const survivor = await serverOf('survivor', '10.0.0.1');
    await survivor.registry.start();
    await survivor.directory.hosting('shared-room', 2);
    const noticed: string[] = [];
    survivor.registry.onServerDown((serverId) => noticed.push(serverId));
    const observer = await serverOf('observer', '10.0.0.3');
    const heard: BusMessage[] = [];
    await observer.bus.subscribe(channels.service, (message) => heard.push(message));

    const doomed = startDoomedServer('doomed', 'shared-room');
    await doomed.ready;
    expect((await survivor.registry.live()).map((server) => [server.serverId, server.address]).sort()).toEqual([
      ['doomed', '10.0.0.9'],
      ['survivor', '10.0.0.1'],
    ]);
    expect(await survivor.directory.hostsOf('shared-room')).toEqual([
      { serverId: 'doomed', address: '10.0.0.9', peers: 3 },
      { serverId: 'survivor', address: '10.0.0.1', peers: 2 },
    ]);

    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await waitUntil(async () => !(await survivor.registry.live()).some((server) => server.serverId === 'doomed'), 'the dead server is gone', 15_000);
    const goneAfter = Date.now() - killedAt;
    expect(goneAfter).toBeLessThan(SERVER_TTL_MS + 2_000);
    // The survivor reaped it (the observer does not heartbeat): it cleaned the directory up and told the service.
    await waitUntil(() => heard.some((message) => message.kind === 'serverDown' && message.serverId === 'doomed'), 'serverDown is announced');
    expect(heard.find((message) => message.kind === 'serverDown')?.from).toBe('survivor');
    expect(noticed).toEqual(['doomed']);
    expect(await survivor.directory.hostsOf('shared-room')).toEqual([{ serverId: 'survivor', address: '10.0.0.1', peers: 2 }]);
    expect(await survivor.commands.hgetall(keys.roomServers('shared-room'))).toEqual({ survivor: '2' });
    expect(await survivor.commands.exists(keys.serverRooms('doomed'))).toBe(0);
    await survivor.registry.stop();
  }, 30_000);

  test('a server that stops says goodbye: the others hear at once, and its rooms leave the directory', async () => {
    const [leaving, staying] = await Promise.all([serverOf('leaving', '10.0.0.5'), serverOf('staying', '10.0.0.6')]);
    await staying.registry.start();
    const heard: BusMessage[] = [];
    await staying.bus.subscribe(channels.service, (message) => heard.push(message));
    const noticed: string[] = [];
    staying.registry.onServerDown((serverId) => noticed.push(serverId));
    await leaving.registry.start();
    await leaving.directory.hosting('quick-room', 1);
    await waitUntil(() => heard.some((message) => message.kind === 'serverUp' && message.from === 'leaving'), 'serverUp is heard');

    await leaving.registry.stop();

    expect((await staying.registry.live()).map((server) => server.serverId)).toEqual(['staying']);
    expect(await staying.directory.hostsOf('quick-room')).toEqual([]);
    await waitUntil(() => noticed.includes('leaving'), 'serverDown is heard');
    await staying.registry.stop();
  }, 15_000);
});
