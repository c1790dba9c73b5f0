import { describe, expect, test, vi } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { ClusterBus } from './bus.ts';
import { channels } from './keys.ts';
import type { BusMessage } from './messages.ts';
import { useRedis } from '../testing/redis.ts';

const redis = useRedis();

/** A bus as one server has it: its own two connections. */
const busOf = async (serverId: string): Promise<ClusterBus> => (await redis.bus(serverId)).bus;

const chatMessage = { seq: 1, id: 'message-0001', peerId: 'peer-1', name: 'Ann', text: 'hello', at: 1 };

describe('the message bus between servers', () => {
  test('a message published by one server reaches the others subscribed to its channel, not itself', async () => {
    const [one, two, three] = await Promise.all([busOf('server-1'), busOf('server-2'), busOf('server-3')]);
    const heard: Record<string, BusMessage[]> = { one: [], two: [], three: [] };
    await one.subscribe(channels.room('standup'), (message) => heard.one!.push(message));
    await two.subscribe(channels.room('standup'), (message) => heard.two!.push(message));
    await three.subscribe(channels.room('another-room'), (message) => heard.three!.push(message));

    const receivers = await one.publish(channels.room('standup'), { kind: 'chatMessage', room: 'standup', historyKey: 'standup', message: chatMessage });

    expect(receivers).toBe(2); // Redis counts the sender's own subscription too
    await waitUntil(() => heard.two!.length === 1, 'server 2 hears the message');
    expect(heard.two).toEqual([{ kind: 'chatMessage', from: 'server-1', room: 'standup', historyKey: 'standup', message: chatMessage }]);
    expect(heard.one).toEqual([]);
    expect(heard.three).toEqual([]);
  });

  test('a malformed message is logged and dropped; the bus and the process go on', async () => {
    const listener = await busOf('server-listening');
    const heard: BusMessage[] = [];
    await listener.subscribe(channels.service, (message) => heard.push(message));
    const warnings: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      warnings.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write);
    // Something else publishing on the service's channel: not JSON, an unknown kind, a known kind with bad fields.
    const intruder = await redis.connect('commands');
    await intruder.publish(channels.service, '{"kind":"serverUp",');
    await intruder.publish(channels.service, JSON.stringify({ kind: 'formatDisk', from: 'x' }));
    await intruder.publish(channels.service, JSON.stringify({ kind: 'chatMessage', from: 'x', room: '../../etc', historyKey: 'a', message: {} }));
    await intruder.publish(channels.service, JSON.stringify({ kind: 'serverUp', from: 'server-good', address: '10.0.0.2' }));

    await waitUntil(() => heard.length === 1, 'the good message after the bad ones is heard');
    spy.mockRestore();
    expect(heard).toEqual([{ kind: 'serverUp', from: 'server-good', address: '10.0.0.2' }]);
    expect(listener.stats.dropped).toBe(3);
    expect(warnings.some((line) => line.includes('malformed bus message dropped'))).toBe(true);
  });

  test('a handler that throws costs that message only', async () => {
    const [sender, receiver] = await Promise.all([busOf('server-a'), busOf('server-b')]);
    const heard: string[] = [];
    await receiver.subscribe(channels.server('server-b'), (message) => {
      if (message.kind === 'serverDown' && message.serverId === 'boom') throw new Error('handler bug');
      heard.push(message.kind);
    });
    await sender.publish(channels.server('server-b'), { kind: 'serverDown', serverId: 'boom' });
    await sender.publish(channels.server('server-b'), { kind: 'serverUp', address: '10.0.0.3' });
    await waitUntil(() => heard.length === 1, 'the next message is heard');
    expect(heard).toEqual(['serverUp']);
  });
});
