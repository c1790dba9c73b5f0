import type { ConnectionQuality } from '../../../shared/protocol/index.ts';

const BARS: Record<ConnectionQuality, number> = { good: 3, fair: 2, poor: 1 };

/**
 * A person's connection as three small bars in the tile's corner, coloured and filled by quality; one image to a
 * screen reader, named "<name>'s connection: good|fair|poor".
 */
export function ConnectionBars({ quality, name }: { quality: ConnectionQuality; name: string }) {
  const lit = BARS[quality];
  const label = `${name}'s connection: ${quality}`;
  return (
    <span class={`connection-bars quality-${quality}`} role="img" aria-label={label} title={label}>
      <svg viewBox="0 0 14 12" width="14" height="12" aria-hidden="true">
        {[0, 1, 2].map((index) => (
          <rect x={index * 5} y={8 - index * 4} width="4" height={4 + index * 4} rx="1" class={index < lit ? 'lit' : 'unlit'} />
        ))}
      </svg>
    </span>
  );
}
