import path from 'node:path';
import { build, type Rollup } from 'vite';

/** Bundles ./page.ts (the app's download and shared-file modules) into one classic script, in memory, for `page.addScriptTag`. */
export async function downloadsProbeScript(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(import.meta.dirname, 'page.ts'), formats: ['iife'], name: 'huddleDownloadsProbeModule' },
    },
  })) as Rollup.RollupOutput[];
  const chunk = output[0]?.output.find((item): item is Rollup.OutputChunk => item.type === 'chunk');
  if (!chunk) throw new Error('the downloads probe did not bundle');
  return chunk.code;
}
