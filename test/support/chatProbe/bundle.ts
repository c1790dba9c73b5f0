import path from 'node:path';
import { build, type Rollup } from 'vite';

/** Bundles ./page.ts (with mediasoup-client) into one classic script, in memory, for `page.addScriptTag`. */
export async function chatProbeScript(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(import.meta.dirname, 'page.ts'), formats: ['iife'], name: 'chatProbe' },
    },
  })) as Rollup.RollupOutput[];
  const chunk = output[0]?.output.find((item): item is Rollup.OutputChunk => item.type === 'chunk');
  if (!chunk) throw new Error('the chat probe did not bundle');
  return chunk.code;
}
