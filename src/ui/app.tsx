/** @jsxImportSource hono/jsx/dom */
/** The application root: decides between setup, login and the logged-in pages, and routes among those. */
import { useState } from 'hono/jsx/dom';
import { useEffect } from './hooks.js';
import { api, onUnauthorized, setCsrfToken } from './api.js';
import { Layout } from './components/layout.js';
import { AddressPoolPage, AddressPoolsPage } from './pages/address-pools.js';
import { AccountPage } from './pages/account.js';
import { AuditPage } from './pages/audit.js';
import { DashboardPage } from './pages/dashboard.js';
import { HostPage } from './pages/host.js';
import { HostsPage } from './pages/hosts.js';
import { ImagesPage } from './pages/images.js';
import { InstancePage } from './pages/instance.js';
import { InstancesPage } from './pages/instances.js';
import { LoginPage } from './pages/login.js';
import { MediaPage } from './pages/media.js';
import { NetworkPage, NetworksPage } from './pages/networks.js';
import { PoolPage, PoolsPage } from './pages/pools.js';
import { SetupPage } from './pages/setup.js';
import { UsersPage } from './pages/users.js';
import { LanguagePicker } from './components/language-picker.js';
import { language, t } from './i18n/index.js';
import { useRoute } from './router.js';
import { errorText, session, useStore } from './store.js';

type Gate = 'loading' | 'setup' | 'login' | 'ready' | { error: string };

/** Finds out whether someone is logged in, or whether the first admin must be created. */
async function probe(): Promise<Gate> {
  try {
    const s = await api.session.get();
    setCsrfToken(s.csrfToken);
    session.set(s);
    return 'ready';
  } catch {
    const setup = await api.setup.status();
    return setup.needed ? 'setup' : 'login';
  }
}

/** The logged-in pages. */
function Pages() {
  const [section = 'dashboard', id, tab] = useRoute();
  const page =
    section === 'instances' && id ? <InstancePage id={id} tab={tab ?? 'overview'} /> :
    section === 'hosts' && id ? <HostPage id={id} /> :
    section === 'pools' && id ? <PoolPage id={id} /> :
    section === 'networks' && id ? <NetworkPage id={id} /> :
    section === 'address-pools' && id ? <AddressPoolPage id={id} /> :
    section === 'instances' ? <InstancesPage /> :
    section === 'images' ? <ImagesPage /> :
    section === 'media' ? <MediaPage /> :
    section === 'hosts' ? <HostsPage /> :
    section === 'pools' ? <PoolsPage /> :
    section === 'networks' ? <NetworksPage /> :
    section === 'address-pools' ? <AddressPoolsPage /> :
    section === 'audit' ? <AuditPage /> :
    section === 'users' ? <UsersPage /> :
    section === 'account' ? <AccountPage /> :
    <DashboardPage />;
  return <Layout section={section}>{page}</Layout>;
}

/** Root component. */
export function App() {
  const [gate, setGate] = useState<Gate>('loading');
  const current = useStore(session);
  // Everything re-renders in the new language (the catalogue is read while rendering).
  const lang = useStore(language);
  useEffect(() => {
    probe().then(setGate, (err: unknown) => setGate({ error: errorText(err) }));
    return onUnauthorized(() => {
      setCsrfToken('');
      session.set(null);
    });
  }, []);
  useEffect(() => {
    if (current) setGate('ready');
    else if (gate === 'ready') setGate('login');
  }, [current]);

  if (gate === 'loading') return <div class="splash">{t.app.loading}</div>;
  if (typeof gate === 'object') return <div class="splash note note-error">{gate.error}</div>;
  if (gate === 'setup' || gate === 'login' || !current)
    return (
      <div key={lang}>
        <div class="auth-language">
          <LanguagePicker />
        </div>
        {gate === 'setup' ? <SetupPage /> : <LoginPage />}
      </div>
    );
  return <Pages key={lang} />;
}
