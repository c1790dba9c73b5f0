import type { Browser, CDPSession, Page } from 'playwright-core';

/* JS memory of a page or of its service worker, over CDP: where a file held whole in memory would show. */

export type Send = (method: 'Runtime.getHeapUsage' | 'HeapProfiler.collectGarbage') => Promise<unknown>;

/** JS memory over CDP: the heap plus the backing stores of ArrayBuffers, where file bytes would sit. */
export async function jsMemory(send: Send): Promise<number> {
  const usage = (await send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize: number };
  return usage.usedSize + usage.backingStorageSize;
}

/** A page's CDP. */
export function pageCdp(cdp: CDPSession): Send {
  return (method) => cdp.send(method);
}

/**
 * The CDP of the service worker of this page's context. Playwright attaches to workers but gives no session for
 * them, so a browser session relays to it (Target.sendMessageToTarget).
 */
export async function workerCdp(browser: Browser, page: Page): Promise<Send> {
  const pageSession = await page.context().newCDPSession(page);
  const { targetInfo } = await pageSession.send('Target.getTargetInfo');
  const session = await browser.newBrowserCDPSession();
  const { targetInfos } = await session.send('Target.getTargets');
  const worker = targetInfos.find((target) => target.type === 'service_worker' && target.browserContextId === targetInfo.browserContextId);
  if (!worker) throw new Error('no service worker target for this page');
  const { sessionId } = await session.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
  let nextId = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  session.on('Target.receivedMessageFromTarget', (event) => {
    const reply = JSON.parse(event.message) as { id?: number; result?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result);
  });
  return (method) =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      void session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) });
    });
}

/** Samples jsMemory every 100 ms until stopped; resolves with the highest figure. */
export function sampleMemory(send: Send): { stop(): Promise<number> } {
  let running = true;
  let highest = 0;
  const sampling = (async () => {
    while (running) {
      highest = Math.max(highest, await jsMemory(send));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      return highest;
    },
  };
}
