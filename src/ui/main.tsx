/** @jsxImportSource hono/jsx/dom */
/** SPA entry: styles and the root component. */
import { render } from 'hono/jsx/dom';
import { App } from './app.js';
import { startLanguage } from './i18n/index.js';
import './styles.css';

const root = document.getElementById('app');
startLanguage();
if (root) {
  root.textContent = '';
  render(<App />, root);
}
