import { afterEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { SessionFileLinks } from './fileLinks.ts';
import type { SfuSession } from './sfu.ts';
import type { SignalingClient } from './signaling.ts';

/*
 * Links toward this page: each is consumed once per media session. After a reload the server announces a link twice
 * (the resumed join and the new receive transport both find it unconsumed); a second consume would make the server
 * replace the first consumer, and what it forwarded in between (the window a sender re-sends on the resume) is lost.
 */

type Listener = () => void;

/** A mediasoup-client DataConsumer as far as the links use it: its channel opens (or closes) when told. */
class FakeDataConsumer {
  closed = false;
  readyState: RTCDataChannelState = 'connecting';
  readonly #listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener) {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }
  emit(event: string) {
    for (const listener of this.#listeners.get(event) ?? []) listener();
  }
  open() {
    this.readyState = 'open';
    this.emit('open');
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.readyState = 'closed';
    this.emit('close');
  }
}

/** A media session whose consumers' channels open a moment after they are made, unless `hold` says otherwise. */
function session() {
  const consumed: { dataProducerId: string; consumer: FakeDataConsumer }[] = [];
  const state = { hold: false };
  const sfu = {
    consumeData: async (dataProducerId: string) => {
      const consumer = new FakeDataConsumer();
      consumed.push({ dataProducerId, consumer });
      if (!state.hold) setTimeout(() => consumer.readyState === 'connecting' && consumer.open(), 0);
      return consumer;
    },
  } as unknown as SfuSession;
  const links = new SessionFileLinks(sfu, {} as SignalingClient, () => {});
  return { links, consumed, state };
}

const announced = (dataProducerId: string) => ({ linkId: `link-${dataProducerId}`, dataProducerId, from: 'alice' });

let open: SessionFileLinks[] = [];
afterEach(() => {
  for (const links of open) links.close();
  open = [];
});

describe('links toward this page', () => {
  test('a link announced twice (resumed join, then the new receive transport) is consumed once', async () => {
    const { links, consumed } = session();
    open.push(links);
    links.linkOpened(announced('p1'));
    links.linkOpened(announced('p1'));
    await links.settled();
    links.linkOpened(announced('p1')); // once more, after it is open
    await links.settled();
    expect(consumed.map((entry) => entry.dataProducerId)).toEqual(['p1']);
    expect(consumed[0]!.consumer.closed).toBe(false);
  });

  test('another link is consumed too; a link whose consumer closed, or failed to open, is consumed again when announced', async () => {
    const { links, consumed, state } = session();
    open.push(links);
    links.linkOpened(announced('p1'));
    links.linkOpened(announced('p2'));
    await links.settled();
    expect(consumed.map((entry) => entry.consumer.readyState)).toEqual(['open', 'open']);

    consumed[0]!.consumer.close(); // its server side went away
    state.hold = true;
    links.linkOpened(announced('p1'));
    await waitUntil(() => consumed.length === 3, 'p1 consumed again');
    consumed[2]!.consumer.close(); // it never opened
    await links.settled();
    links.linkOpened(announced('p1'));
    await waitUntil(() => consumed.length === 4, 'p1 consumed once more');
    expect(consumed.map((entry) => entry.dataProducerId)).toEqual(['p1', 'p2', 'p1', 'p1']);
  });
});
