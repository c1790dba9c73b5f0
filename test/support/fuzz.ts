import * as fc from 'fast-check';

/* Arbitraries for fuzzing the protocol (fast-check): hostile values and near misses of valid messages. */

/** Stands for a number JSON cannot spell; `toJsonWithNonFinite` writes it as 1e999 (→ Infinity when parsed). */
export const POSITIVE_INFINITY = '@@+inf@@';
export const NEGATIVE_INFINITY = '@@-inf@@';

export function toJsonWithNonFinite(value: unknown): string {
  return JSON.stringify(value).replaceAll(`"${POSITIVE_INFINITY}"`, '1e999').replaceAll(`"${NEGATIVE_INFINITY}"`, '-1e999');
}

/** Values a careless or hostile client puts where a field belongs. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 2 ** 53 + 2, -(2 ** 31), '', ' ', '__proto__', 'constructor', POSITIVE_INFINITY, NEGATIVE_INFINITY),
  fc.double(), // NaN goes out as null, as JSON.stringify writes it
  fc.integer(),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('x'.repeat(65), 'é'.repeat(5_000), 'x'.repeat(70 * 1024)), // just over limits, and past the frame limit
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], into: Path[] = []): Path[] {
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...prefix, index], into));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], into);
  return into;
}

type Mutation = { kind: 'keep' } | { kind: 'replace' | 'extra'; value: unknown; key?: string } | { kind: 'delete' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'keep' }) },
  { weight: 4, arbitrary: hostileValue.map<Mutation>((value) => ({ kind: 'replace', value })) },
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'delete' }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')), hostileValue)
      .map<Mutation>(([key, value]) => ({ kind: 'extra', key, value })),
  },
);

/** A copy of `value` with one field (at any depth, or the whole) replaced, deleted or given a stray sibling. */
function mutate(value: unknown, pick: number, change: Mutation): unknown {
  if (change.kind === 'keep') return value;
  const copy = structuredClone(value);
  const paths = pathsOf(copy);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return change.kind === 'replace' ? change.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (change.kind === 'replace') parent[last] = change.value;
  else if (change.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (!Array.isArray(parent)) Object.defineProperty(parent, change.key ?? 'extra', { value: change.value, enumerable: true, writable: true });
  return copy;
}

/** Valid-shaped data (from `valid`), then up to three mutations of it: the near misses a fuzzer finds bugs with. */
export function nearValid<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), mutation), { minLength: 0, maxLength: 3 }))
    .map(([data, changes]) => changes.reduce<unknown>((value, [pick, change]) => mutate(value, pick, change), data));
}
