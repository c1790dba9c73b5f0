import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../../shared/protocol/index.ts';
import { createTestServices, FakeClient } from '../../testing/fakes.ts';

const JOINS_PER_MINUTE = 5;

let services: Awaited<ReturnType<typeof createTestServices>>;
let routersCreated = 0;
beforeAll(async () => {
  services = await createTestServices({ joinRatePerMinute: JOINS_PER_MINUTE });
  for (const slot of services.pool.slots) slot.worker.observer.on('newrouter', () => routersCreated++);
});
afterAll(() => services.pool.close());

describe('a flood of joins', () => {
  test('to fresh room names from one address creates no routers beyond the join limit', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const client = new FakeClient(services, '203.0.113.9');
      await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
      const reply = await client.request('join', { room: `flood-${i}`, name: 'Flood' });
      codes.push(reply.ok ? 'ok' : (reply.error?.code ?? '?'));
    }
    expect(codes.filter((code) => code === 'ok')).toHaveLength(JOINS_PER_MINUTE);
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(30 - JOINS_PER_MINUTE);
    expect(routersCreated).toBe(JOINS_PER_MINUTE);
    expect(services.rooms.size).toBe(JOINS_PER_MINUTE);
  });
});
