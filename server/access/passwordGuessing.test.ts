import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

/** One attempt from a fresh connection, as a guessing script would make it. */
async function attempt(room: string, address: string, password: string) {
  const client = new FakeClient(services, address);
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
  return client.request('join', { room, name: 'Guest', password });
}

const RIGHT = 'correct horse';

describe('guessing a room password', () => {
  test('one network guessing gets refused with rate_limited, saying when; the right password from elsewhere still works', async () => {
    const host = new FakeClient(services, '198.51.100.1');
    await host.join('vault', 'Host', { password: RIGHT });
    const guesser = '203.0.113.66';

    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await attempt('vault', guesser, `guess-number-${i}`));
    // A few typos cost nothing; the fourth wrong password says how long to wait.
    for (const reply of replies.slice(0, 3)) {
      expect(reply.error).toEqual({ code: 'wrong_password', message: 'That password is not right for this room.' });
    }
    expect(errorOf(replies[3])).toMatchObject({ code: 'wrong_password', message: expect.stringMatching(/Wait 2 seconds before trying again\./) });
    // Then refused outright, with the time to try again, without the password even being checked.
    for (const refused of replies.slice(4)) {
      expect(errorOf(refused)).toMatchObject({
        code: 'rate_limited',
        message: expect.stringMatching(/^Too many wrong passwords from your network\. Try again in \d seconds?\.$/),
      });
    }
    // Even the right password waits when it comes from the guessing network …
    expect(errorOf(await attempt('vault', guesser, RIGHT))).toMatchObject({ code: 'rate_limited' });
    // … but someone else who knows it gets in.
    expect(await attempt('vault', '192.0.2.10', RIGHT)).toMatchObject({ ok: true });
    await host.request('leave');
  });

  test('guesses spread over many networks are limited per room', async () => {
    const host = new FakeClient(services, '198.51.100.1');
    await host.join('bunker', 'Host', { password: RIGHT });
    for (let i = 0; i < 11; i++) {
      expect(errorOf(await attempt('bunker', `203.0.113.${100 + i}`, `guess-number-${i}`))).toMatchObject({ code: 'wrong_password' });
    }
    expect(errorOf(await attempt('bunker', '203.0.113.200', 'guess-number-x'))).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/^Too many wrong passwords for this room\. Try again in \d seconds?, or ask someone in it for an invite link\.$/),
    });
    await host.request('leave');
  });
});

function errorOf(sent: { error?: unknown } | undefined): unknown {
  return sent?.error;
}
