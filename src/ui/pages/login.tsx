/** @jsxImportSource hono/jsx/dom */
/** The login page. */
import { loginSchema } from '../../shared/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { logIn } from '../store.js';
import { useTitle } from '../title.js';

/** Username and password; on success the session store is set and the app re-renders. */
export function LoginPage() {
  const form = useForm({ username: '', password: '' });
  useTitle(t.titles.login);
  const submit = useSubmit(async () => {
    const parsed = loginSchema.safeParse(form.values);
    if (!parsed.success) return submit.setError(t.auth.enterBoth);
    await logIn(parsed.data);
  });

  return (
    <div class="auth-page">
      <form class="auth-card" onSubmit={submit.run} noValidate>
        <h1>{t.app.name}</h1>
        <p class="muted">{t.auth.loginIntro}</p>
        <label class="field">
          <span>{t.auth.username}</span>
          <input name="username" autocomplete="username" value={form.values.username} onInput={form.text('username')} required />
        </label>
        <label class="field">
          <span>{t.auth.password}</span>
          <input name="password" type="password" autocomplete="current-password" value={form.values.password} onInput={form.text('password')} required />
        </label>
        <ErrorNote message={submit.error} />
        <button type="submit" class="button button-primary button-block" disabled={submit.busy}>
          {submit.busy ? t.auth.loggingIn : t.auth.logIn}
        </button>
      </form>
    </div>
  );
}
