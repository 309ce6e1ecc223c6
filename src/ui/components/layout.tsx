/** @jsxImportSource hono/jsx/dom */
/** The page frame: left navigation (a drawer on narrow screens), content, and the user's name with Log out at the bottom. */
import type { Child } from 'hono/jsx/dom';
import { useState } from 'hono/jsx/dom';
import { api, setCsrfToken } from '../api.js';
import { href } from '../router.js';
import { session, useStore } from '../store.js';
import { ActivityPanel } from './activity-panel.js';

const sections = [
  ['dashboard', 'Dashboard'],
  ['instances', 'Instances'],
  ['images', 'Images'],
  ['media', 'Media'],
  ['hosts', 'Hosts'],
  ['pools', 'Pools'],
] as const;

/** Logs out and returns to the login page. */
export async function logout(): Promise<void> {
  await api.session.delete().catch(() => undefined);
  setCsrfToken('');
  session.set(null);
  location.hash = '#/';
}

/** Frame around every logged-in page; `section` highlights the nav entry. */
export function Layout({ section, children }: { section: string; children?: Child }) {
  const [open, setOpen] = useState(false);
  const current = useStore(session);
  return (
    <div class={`shell ${open ? 'nav-open' : ''}`}>
      <header class="topbar">
        <button type="button" class="icon-button nav-toggle" aria-label="Menu" aria-expanded={open} onClick={() => setOpen(!open)}>
          ☰
        </button>
        <a class="brand" href="#/">
          onebox
        </a>
      </header>
      <nav class="sidenav" aria-label="Main">
        <a class="brand brand-side" href="#/">
          onebox
        </a>
        <ul>
          {sections.map(([id, label]) => (
            <li key={id}>
              <a href={href(id)} class={section === id ? 'active' : ''} aria-current={section === id ? 'page' : undefined} onClick={() => setOpen(false)}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {open && <div class="nav-backdrop" onClick={() => setOpen(false)} />}
      <div class="content">
        <main class="main">{children}</main>
        <footer class="footer">
          <span>
            Signed in as <strong class="footer-user">{current?.user.username ?? '—'}</strong>
          </span>
          <button type="button" class="link-button" onClick={() => void logout()}>
            Log out
          </button>
        </footer>
      </div>
      <ActivityPanel />
    </div>
  );
}

/** A page title with optional actions on the right. */
export function PageHeader({ title, children, sub }: { title: Child; sub?: Child; children?: Child }) {
  return (
    <div class="page-header">
      <div class="page-title">
        <h1>{title}</h1>
        {sub && <div class="muted">{sub}</div>}
      </div>
      <div class="page-actions">{children}</div>
    </div>
  );
}
