import type { Browser } from 'playwright-core';

/**
 * Stops every renderer process of `browser` (SIGSTOP) until the returned function is called: its pages stop reading,
 * acknowledging and answering, as a phone's frozen tab does. WebRTC (SCTP included) runs in the renderer, so a peer
 * frozen like this stops draining what the SFU sends it. Use a browser of its own for the page to freeze.
 */
export async function freezeRenderers(browser: Browser): Promise<() => void> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const renderers = processInfo.filter((info) => info.type === 'renderer').map((info) => info.id);
  if (renderers.length === 0) throw new Error('no renderer process to freeze');
  for (const pid of renderers) process.kill(pid, 'SIGSTOP');
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    for (const pid of renderers) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone with its browser
      }
    }
  };
}
