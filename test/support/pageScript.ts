import { build, type Rollup } from 'vite';

/** Bundles a module (and what it imports) into one classic script, in memory, for `page.addScriptTag`. */
export async function bundlePageScript(entry: string, globalName: string): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry, formats: ['iife'], name: globalName } },
  })) as Rollup.RollupOutput[];
  const chunk = output[0]?.output.find((item): item is Rollup.OutputChunk => item.type === 'chunk');
  if (!chunk) throw new Error(`${entry} did not bundle`);
  return chunk.code;
}
