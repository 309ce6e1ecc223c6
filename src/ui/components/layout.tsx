/** @jsxImportSource hono/jsx/dom */
/** The page frame: left navigation (a drawer on narrow screens), content, and a user menu (language, Log out) at the bottom. */
import type { Child } from 'hono/jsx/dom';
import { useState } from 'hono/jsx/dom';
import { api, setCsrfToken } from '../api.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import { session, useStore } from '../store.js';
import { ActivityPanel } from './activity-panel.js';
import { LanguagePicker } from './language-picker.js';
import { TaskLog } from './task-log.js';
import { may } from '../permissions.js';

const sections = () =>
  [
    ['dashboard', t.nav.dashboard],
    ['instances', t.nav.instances],
    ['images', t.nav.images],
    ['media', t.nav.media],
    ['hosts', t.nav.hosts],
    ['pools', t.nav.pools],
    ['networks', t.nav.networks],
    ['address-pools', t.nav.addressPools],
    ['audit', t.audit.nav],
  ] as const;

/** Sections only admins see (the API refuses the others anyway). */
const adminSections = () => [['users', t.users.nav]] as const;

/** The user's menu: who is logged in, the language, and Log out. */
function UserMenu({ username }: { username: string }) {
  return (
    <details class="menu user-menu" data-testid="user-menu">
      <summary class="link-button">
        {t.layout.signedInAs} <strong class="footer-user">{username}</strong> <span aria-hidden="true">▾</span>
      </summary>
      <div class="menu-list menu-up">
        <LanguagePicker />
        <button type="button" class="button button-small" onClick={() => void logout()}>
          {t.layout.logOut}
        </button>
      </div>
    </details>
  );
}

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
        <button type="button" class="icon-button nav-toggle" aria-label={t.nav.menu} aria-expanded={open} onClick={() => setOpen(!open)}>
          ☰
        </button>
        <a class="brand" href="#/">
          {t.app.name}
        </a>
      </header>
      <nav class="sidenav" aria-label={t.nav.main}>
        <a class="brand brand-side" href="#/">
          {t.app.name}
        </a>
        <ul>
          {[...sections().filter(([id]) => id !== 'audit' || may('audit.read')), ...(current?.user.role === 'admin' ? adminSections() : []), ['account', t.account.nav] as const].map(([id, label]) => (
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
        <TaskLog />
        <footer class="footer">
          <UserMenu username={current?.user.username ?? '—'} />
          <a href="/api/docs" target="_blank" rel="noopener" data-testid="api-reference-link">
            {t.layout.apiReference}
          </a>
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
