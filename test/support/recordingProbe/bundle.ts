import path from 'node:path';
import type { Page } from 'playwright-core';
import { bundlePageScript } from '../pageScript.ts';
import type { RecordingProbe } from './page.ts';

export type ProbeWindow = { recordingProbe: RecordingProbe };

let bundled: Promise<string> | undefined;

/** ./page.ts (a canvas recorder and the app's recording store) as one classic script, for `page.addScriptTag`. */
export function recordingProbeScript(): Promise<string> {
  bundled ??= bundlePageScript(path.join(import.meta.dirname, 'page.ts'), 'huddleRecordingProbeModule');
  return bundled;
}

/** Loads the probe into the page (again after each navigation). */
export async function loadRecordingProbe(page: Page): Promise<void> {
  await page.addScriptTag({ content: await recordingProbeScript() });
}
