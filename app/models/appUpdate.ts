import { signal } from '@preact/signals';

/** True while a new version of the app is installed and waiting to take over (app/registerServiceWorker.ts). */
export const updateWaiting = signal(false);

let activate: (() => void) | undefined;

/** Called by the service worker registration when a new version waits; `apply` switches to it and reloads. */
export function offerUpdate(apply: () => void): void {
  activate = apply;
  updateWaiting.value = true;
}

/** The person tapped Reload to update. */
export function applyUpdate(): void {
  activate?.();
}
