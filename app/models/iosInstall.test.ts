import { describe, expect, test } from 'vitest';
import { needsIosInstallHint } from './iosInstall.ts';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';
const IPHONE_CHROME =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1';
// iPadOS asks for desktop sites by default and then says "Macintosh".
const IPAD_DESKTOP_MODE =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15';
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36';

describe('the iOS install hint', () => {
  test('shows in Safari (and any other browser) on an iPhone', () => {
    expect(needsIosInstallHint({ userAgent: IPHONE_SAFARI, maxTouchPoints: 5 })).toBe(true);
    expect(needsIosInstallHint({ userAgent: IPHONE_CHROME, maxTouchPoints: 5, standalone: false })).toBe(true);
  });

  test('shows on an iPad that presents itself as a Mac, not on a real Mac', () => {
    expect(needsIosInstallHint({ userAgent: IPAD_DESKTOP_MODE, maxTouchPoints: 5 })).toBe(true);
    expect(needsIosInstallHint({ userAgent: IPAD_DESKTOP_MODE, maxTouchPoints: 0 })).toBe(false);
  });

  test('is gone once the app runs from the home screen', () => {
    expect(needsIosInstallHint({ userAgent: IPHONE_SAFARI, maxTouchPoints: 5, standalone: true })).toBe(false);
  });

  test('never shows on Android, where the browser offers its own install prompt', () => {
    expect(needsIosInstallHint({ userAgent: ANDROID_CHROME, maxTouchPoints: 5 })).toBe(false);
  });
});
