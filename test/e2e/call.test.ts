import { describe, expect, test } from 'vitest';
import { countTiles, expectVideoPlaying, joinAliceAndBob, joinRoom, openPhone, tile } from '../support/browser.ts';
import { expectTileShows, expectTileSounds, MEDIA_OF } from '../support/fakeMedia.ts';
import { useServerAndBrowser } from '../support/environment.ts';

const env = useServerAndBrowser();
const PEOPLE = ['Alice', 'Bob', 'Carol'] as const;

describe('a call through the SFU', () => {
  test('two people see and hear each other, and a late joiner sees and hears both: each in their own tile', async () => {
    const { alice, bob } = await joinAliceAndBob(env.browser, env.server.url, 'standup');
    await expectTileSounds(alice.page, 'Bob camera', MEDIA_OF.Bob);
    await expectTileSounds(bob.page, 'Alice camera', MEDIA_OF.Alice);

    const carol = await openPhone(env.browser, { media: MEDIA_OF.Carol });
    // The join screen's preview shows Carol's own camera.
    await carol.page.goto(`${env.server.url}/r/standup`);
    await expectTileShows(carol.page, 'Camera preview', MEDIA_OF.Carol);
    await joinRoom(carol.page, env.server.url, 'standup', 'Carol');
    await expectVideoPlaying(carol.page, 'Alice camera');
    await expectVideoPlaying(carol.page, 'Bob camera');
    await expectVideoPlaying(alice.page, 'Carol camera');

    const pages = { Alice: alice.page, Bob: bob.page, Carol: carol.page };
    for (const [viewer, page] of Object.entries(pages)) {
      for (const name of PEOPLE) {
        expect(await countTiles(page, `${name} camera`)).toBe(1);
        // Everyone's tile shows its owner's picture (your own tile too), and plays its owner's voice.
        await expectTileShows(page, `${name} camera`, MEDIA_OF[name]);
        if (name !== viewer) await expectTileSounds(page, `${name} camera`, MEDIA_OF[name]);
      }
    }

    await carol.page.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => tile(alice.page, 'Carol camera').count()).toBe(0);
    await expect.poll(() => tile(bob.page, 'Carol camera').count()).toBe(0);

    for (const person of [alice, bob, carol]) await person.context.close();
  });
});
