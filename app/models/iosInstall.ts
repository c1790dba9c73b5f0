/** What the iOS check needs from `navigator` (passed in, so it can be tested without a browser). */
export type NavigatorLike = { userAgent: string; maxTouchPoints: number; standalone?: boolean };

/**
 * True on an iPhone or iPad that is not already running the installed app. iOS has no install prompt
 * (no `beforeinstallprompt`; every iOS browser is WebKit): installing is Share → Add to Home Screen, so we say
 * that instead. iPadOS presents itself as a Mac; only its touch screen tells it apart.
 */
export function needsIosInstallHint(nav: NavigatorLike): boolean {
  if (nav.standalone === true) return false;
  if (/\b(iPhone|iPad|iPod)\b/.test(nav.userAgent)) return true;
  return /\bMacintosh\b/.test(nav.userAgent) && nav.maxTouchPoints > 1;
}
