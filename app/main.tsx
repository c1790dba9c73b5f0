import { render } from 'preact';
import { watchInstallability } from './models/install.ts';
import { registerServiceWorker } from './registerServiceWorker.ts';
import { App } from './ui/App.tsx';
import { UpdateToast } from './ui/UpdateToast.tsx';
import './styles.css';

watchInstallability();
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
