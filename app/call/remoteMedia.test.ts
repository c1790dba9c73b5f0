import { beforeEach, describe, expect, test } from 'vitest';
import { clearParticipants, participants, upsertParticipant } from '../models/participants.ts';
import type { SfuSession } from '../net/sfu.ts';
import { RemoteMedia } from './remoteMedia.ts';

type ConsumeResult = Awaited<ReturnType<SfuSession['consume']>>;

/** An SFU session whose consume replies the test releases by hand, to play out races. */
function fakeSession() {
  const pending: ((result: ConsumeResult) => void)[] = [];
  const session = {
    consume: () => new Promise<ConsumeResult>((resolve) => pending.push(resolve)),
    dropConsumer: () => {},
  } as unknown as SfuSession;
  const reply = (producerPaused: boolean, source: 'mic' | 'cam' = 'mic') => {
    const consumer = { id: 'c1', track: { kind: 'audio' }, on() {}, close() {} };
    pending.shift()?.({ consumer, peerId: 'ann', source, producerPaused } as unknown as ConsumeResult);
  };
  return { session, reply };
}

const ann = () => participants.value.get('ann');

beforeEach(() => {
  clearParticipants();
  upsertParticipant('ann', { name: 'Ann' });
});

describe('RemoteMedia', () => {
  test('a mute that arrives while its consume is in flight wins over the reply’s older state', async () => {
    const { session, reply } = fakeSession();
    const remote = new RemoteMedia();
    remote.attach(session);
    const consuming = remote.consume('p1');
    remote.setProducerPaused('ann', 'p1', true); // the notification overtakes the reply
    reply(false);
    await consuming;
    expect(ann()?.micMuted).toBe(true);
    expect(ann()?.mic).not.toBeNull();
  });

  test('without such a notification, the reply’s state stands; later notifications apply directly', async () => {
    const { session, reply } = fakeSession();
    const remote = new RemoteMedia();
    remote.attach(session);
    const consuming = remote.consume('p1');
    reply(false);
    await consuming;
    expect(ann()?.micMuted).toBe(false);
    remote.setProducerPaused('ann', 'p1', true);
    expect(ann()?.micMuted).toBe(true);
  });

  test('a producer closed while its consume is in flight never shows up', async () => {
    const { session, reply } = fakeSession();
    const remote = new RemoteMedia();
    remote.attach(session);
    const consuming = remote.consume('p1');
    remote.closeProducer('p1');
    reply(false);
    await consuming;
    expect(ann()?.mic).toBeNull();
  });
});
