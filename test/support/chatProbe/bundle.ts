import path from 'node:path';
import { bundlePageScript } from '../pageScript.ts';

/** ./page.ts (a bare protocol client with mediasoup-client) as one classic script, for `page.addScriptTag`. */
export function chatProbeScript(): Promise<string> {
  return bundlePageScript(path.join(import.meta.dirname, 'page.ts'), 'chatProbe');
}
