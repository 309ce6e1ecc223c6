/** @jsxImportSource hono/jsx/dom */
/** SPA entry: styles and the root component. */
import { render } from 'hono/jsx/dom';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
