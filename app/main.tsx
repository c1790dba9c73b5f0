import { render } from 'preact';
import { watchInstallability } from './models/install.ts';
import { registerServiceWorker } from './registerServiceWorker.ts';
import { App } from './ui/App.tsx';
import './styles.css';

watchInstallability();
const root = document.getElementById('app');
if (root) render(<App />, root);
registerServiceWorker();
