import { computed, signal } from '@preact/signals';
import { needsIosInstallHint } from './iosInstall.ts';

/** Chromium's install prompt event (not in TypeScript's DOM library). */
type BeforeInstallPromptEvent = Event & {
  prompt(): Promise<unknown>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform?: string }>;
};

/** The browser's install prompt, held back until the person taps Install app (it can be shown only once). */
const deferredPrompt = signal<BeforeInstallPromptEvent | null>(null);
const installed = signal(false);
const standalone = signal(false);
const ios = signal(false);

/** Offer the Install app button: the browser allows it and the app is not already installed or running as one. */
export const canInstall = computed(() => deferredPrompt.value !== null && !installed.value && !standalone.value);
/** iOS has no prompt: tell the person how to install instead. */
export const showIosInstallHint = computed(() => ios.value && !installed.value && !standalone.value);

/**
 * Starts listening for the browser's install offer. Call it at startup: Chromium fires `beforeinstallprompt`
 * early, once, and only to listeners already there.
 */
export function watchInstallability(): void {
  const displayMode = matchMedia('(display-mode: standalone)');
  const navigatorWithStandalone = navigator as Navigator & { standalone?: boolean };
  standalone.value = displayMode.matches || navigatorWithStandalone.standalone === true;
  displayMode.addEventListener('change', (event) => void (standalone.value = event.matches));
  ios.value = needsIosInstallHint(navigatorWithStandalone);
  window.addEventListener('beforeinstallprompt', (event) => {
    // Keep the browser's own mini-infobar away; the app offers its own button.
    event.preventDefault();
    deferredPrompt.value = event as BeforeInstallPromptEvent;
  });
  window.addEventListener('appinstalled', () => {
    installed.value = true;
    deferredPrompt.value = null;
  });
}

/** The person tapped Install app: show the browser's install dialog. */
export async function install(): Promise<void> {
  const event = deferredPrompt.value;
  if (!event) return;
  await event.prompt();
  const choice = await event.userChoice;
  // A prompt can be used once; on "dismissed" the browser fires beforeinstallprompt again when it allows another.
  deferredPrompt.value = null;
  if (choice.outcome === 'accepted') installed.value = true;
}
