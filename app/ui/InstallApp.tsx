import { canInstall, install, showIosInstallHint } from '../models/install.ts';

/** Install app where the browser offers installing (Chromium), the Share → Add to Home Screen hint on iOS. */
export function InstallApp() {
  if (canInstall.value) {
    return (
      <button type="button" class="chip install" onClick={() => void install()}>
        Install app
      </button>
    );
  }
  if (showIosInstallHint.value) {
    return (
      <p class="install-hint" role="note">
        Install Huddle: tap Share, then “Add to Home Screen”.
      </p>
    );
  }
  return null;
}
