import path from 'node:path';
import { bundlePageScript } from '../pageScript.ts';

/** ./page.ts (the app's download and shared-file modules) as one classic script, for `page.addScriptTag`. */
export function downloadsProbeScript(): Promise<string> {
  return bundlePageScript(path.join(import.meta.dirname, 'page.ts'), 'huddleDownloadsProbeModule');
}
