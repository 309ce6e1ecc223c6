/** @jsxImportSource hono/jsx/dom */
/** The login page. */
import { useState } from 'hono/jsx/dom';
import { loginSchema } from '../../shared/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { t } from '../i18n/index.js';
import { errorText, logIn } from '../store.js';
import { useTitle } from '../title.js';

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** Username and password; on success the session store is set and the app re-renders. */
export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useTitle(t.titles.login);

  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = loginSchema.safeParse({ username, password });
    if (!parsed.success) return setError(t.auth.enterBoth);
    setBusy(true);
    setError(undefined);
    try {
      await logIn(parsed.data);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <div class="auth-page">
      <form class="auth-card" onSubmit={submit} noValidate>
        <h1>{t.app.name}</h1>
        <p class="muted">{t.auth.loginIntro}</p>
        <label class="field">
          <span>{t.auth.username}</span>
          <input name="username" autocomplete="username" value={username} onInput={(e: Event) => setUsername(value(e))} required />
        </label>
        <label class="field">
          <span>{t.auth.password}</span>
          <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e: Event) => setPassword(value(e))} required />
        </label>
        <ErrorNote message={error} />
        <button type="submit" class="button button-primary button-block" disabled={busy}>
          {busy ? t.auth.loggingIn : t.auth.logIn}
        </button>
      </form>
    </div>
  );
}
