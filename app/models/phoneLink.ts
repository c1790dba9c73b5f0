import { signal } from '@preact/signals';

/** Where phones reach this server (its LAN https URL or its public URL), when it has such an address. */
export const phoneBase = signal<string | null>(null);

export async function loadPhoneBase(): Promise<void> {
  try {
    const response = await fetch('/api/phone-link');
    phoneBase.value = response.ok ? ((await response.json()) as { url: string }).url.replace(/\/$/, '') : null;
  } catch {
    phoneBase.value = null;
  }
}

export function phoneQrSrc(room: string): string {
  return `/api/phone-link.svg?room=${encodeURIComponent(room)}`;
}
