import { render } from 'preact';
import { watchInstallability } from './models/install.ts';
import { registerServiceWorker } from './registerServiceWorker.ts';
import { App } from './ui/App.tsx';
import { UpdateToast } from './ui/UpdateToast.tsx';
import './styles.css';

watchInstallability();
takeSharedFilesFromAddress();
const root = document.getElementById('app');
if (root) {
  render(
    <>
      <App />
      <UpdateToast />
    </>,
    root,
  );
}
registerServiceWorker();
// Recordings a crash or a reload left unfinished are found at start-up (after the first paint: not on its path).
void import('./recording/device.ts').then(({ deviceRecordings }) => deviceRecordings());

/** `?share=<id>`: files shared into the app (share target). Read now, before joining rewrites the address. */
function takeSharedFilesFromAddress(): void {
  const url = new URL(location.href);
  const id = url.searchParams.get('share');
  if (!id) return;
  url.searchParams.delete('share');
  history.replaceState(history.state, '', url);
  void import('./files/sharedAtStart.ts').then(({ takeSharedFilesFor }) => takeSharedFilesFor(id));
}
