import { render } from 'preact';
import { registerServiceWorker } from './registerServiceWorker.ts';
import { App } from './ui/App.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
registerServiceWorker();
