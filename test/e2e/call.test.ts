import { describe, expect, test } from 'vitest';
import { countTiles, expectAudioHeard, expectVideoPlaying, joinAliceAndBob, joinRoom, openPhone, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';

const env = useServerAndBrowser();

describe('a call through the SFU', () => {
  test('two people see each other, and a late joiner sees both', async () => {
    const { alice, bob } = await joinAliceAndBob(env.browser, env.server.url, 'standup');
    await expectAudioHeard(alice.page, 'Bob camera');
    await expectAudioHeard(bob.page, 'Alice camera');

    const carol = await openPhone(env.browser);
    await joinRoom(carol.page, env.server.url, 'standup', 'Carol');
    await expectVideoPlaying(carol.page, 'Alice camera');
    await expectVideoPlaying(carol.page, 'Bob camera');
    await expectVideoPlaying(alice.page, 'Carol camera');

    for (const page of [alice.page, bob.page, carol.page]) {
      for (const name of ['Alice', 'Bob', 'Carol']) expect(await countTiles(page, `${name} camera`)).toBe(1);
    }

    await carol.page.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => tile(alice.page, 'Carol camera').count()).toBe(0);
    await expect.poll(() => tile(bob.page, 'Carol camera').count()).toBe(0);

    for (const person of [alice, bob, carol]) await person.context.close();
  });
});
