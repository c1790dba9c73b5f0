import { signal } from '@preact/signals';
import type { ConnectionQuality } from '../../shared/protocol/index.ts';

/** Each person's connection as the server rates it (`connectionQuality`), by participant id. Replaced on change. */
export const connectionQualities = signal<ReadonlyMap<string, ConnectionQuality>>(new Map());

export function setConnectionQuality(participantId: string, quality: ConnectionQuality): void {
  connectionQualities.value = new Map(connectionQualities.value).set(participantId, quality);
}

export function forgetConnectionQuality(participantId?: string): void {
  if (participantId === undefined) return void (connectionQualities.value = new Map());
  if (!connectionQualities.value.has(participantId)) return;
  const next = new Map(connectionQualities.value);
  next.delete(participantId);
  connectionQualities.value = next;
}
