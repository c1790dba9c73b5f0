/**
 * Prints what a phone downloads, gzipped: the join screen (entry chunk, its static imports and CSS), what it
 * fetches after load (service-worker registration), and the room (everything Join loads on top).
 * Run after `npm run build`:  npm run bench:size
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

type ManifestEntry = { file: string; imports?: string[]; dynamicImports?: string[]; css?: string[]; isEntry?: boolean };

const dist = path.resolve(process.argv[2] ?? 'dist');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestEntry>;

/** A chunk and everything it statically imports, as output file names. */
function closure(key: string, seen = new Set<string>()): Set<string> {
  const entry = manifest[key];
  if (!entry || seen.has(entry.file)) return seen;
  seen.add(entry.file);
  for (const css of entry.css ?? []) seen.add(css);
  for (const imported of entry.imports ?? []) closure(imported, seen);
  return seen;
}

function gzipped(files: Iterable<string>): number {
  let total = 0;
  for (const file of files) total += gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
  return total;
}

const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
if (!entryKey) throw new Error('no entry in the vite manifest; build first');
const join = closure(entryKey);
const dynamic = manifest[entryKey]?.dynamicImports ?? [];
const roomKey = dynamic.find((key) => key.includes('room/'));
const deferredKeys = dynamic.filter((key) => key !== roomKey);
const deferred = new Set([...deferredKeys.flatMap((key) => [...closure(key)])].filter((file) => !join.has(file)));
const room = new Set([...(roomKey ? closure(roomKey) : [])].filter((file) => !join.has(file)));

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const rows = [
  ['join screen (first load)', gzipped(join), 35 * 1024],
  ['after load (service worker registration)', gzipped(deferred), undefined],
  ['room (loaded on Join)', gzipped(room), 120 * 1024],
] as const;
for (const [name, bytes, target] of rows) {
  const verdict = target === undefined ? '' : bytes <= target ? `  (target ≤ ${kb(target)}: met)` : `  (target ≤ ${kb(target)}: MISSED)`;
  process.stdout.write(`${name.padEnd(42)} ${kb(bytes).padStart(9)} gzip${verdict}\n`);
}
