/** @jsxImportSource hono/jsx/dom */
/**
 * First visit: create the initial admin with the one-time setup code onebox printed at start,
 * with the password rules checked while typing.
 */
import { useState } from 'hono/jsx/dom';
import { setupSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { PasswordRules, brokenRules } from '../components/password-rules.js';
import { t, translateSentence } from '../i18n/index.js';
import { errorText, logIn } from '../store.js';
import { useTitle } from '../title.js';

const value = (e: Event) => (e.target as HTMLInputElement).value;

// Names of things on the server, the same in every language.
const SERVE_COMMAND = 'onebox serve';
const CODE_FILE = 'setup-code';
const CODE_PATH = '/var/lib/onebox/setup-code';
const CODE_SHAPE = 'XXXXX-XXXXX-XXXXX-XXXXX';
const SUBNET_SHAPE = '10.42.0.0/24';

/** The initial-admin form; logs in afterwards. */
export function SetupPage() {
  const [setupCode, setSetupCode] = useState('');
  const [createNetwork, setCreateNetwork] = useState(true);
  const [subnet, setSubnet] = useState('');
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useTitle(t.titles.setup);
  const weak = password.length > 0 && brokenRules(password).length > 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!setupCode.trim()) return setError(t.auth.setupCodeMissing);
    const network = createNetwork ? { create: true, ...(subnet.trim() ? { subnet: subnet.trim() } : {}) } : { create: false };
    const parsed = setupSchema.safeParse({ username, password, setupCode: setupCode.trim(), network });
    if (!parsed.success) return setError(translateSentence(parsed.error.issues[0]?.message ?? ''));
    if (password !== repeat) return setError(t.auth.passwordsDiffer);
    setBusy(true);
    setError(undefined);
    try {
      await api.setup.create(parsed.data);
      await logIn({ username: parsed.data.username, password: parsed.data.password });
      location.hash = '#/';
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <div class="auth-page">
      <form class="auth-card" onSubmit={submit} noValidate>
        <h1>{t.auth.welcome}</h1>
        <p class="muted">{t.auth.setupIntro}</p>
        <label class="field">
          <span>{t.auth.setupCode}</span>
          <input
            name="setupCode"
            autocomplete="one-time-code"
            spellcheck={false}
            placeholder={CODE_SHAPE}
            value={setupCode}
            onInput={(e: Event) => setSetupCode(value(e))}
            required
          />
        </label>
        <div class="hint">{t.auth.setupCodeHint(<code>{SERVE_COMMAND}</code>, <code>{CODE_FILE}</code>, <code>{CODE_PATH}</code>)}</div>
        <label class="field">
          <span>{t.auth.username}</span>
          <input name="username" autocomplete="username" value={username} onInput={(e: Event) => setUsername(value(e))} required />
        </label>
        <label class="field">
          <span>{t.auth.password}</span>
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            value={password}
            aria-invalid={weak ? 'true' : undefined}
            onInput={(e: Event) => setPassword(value(e))}
            required
          />
        </label>
        <PasswordRules password={password} />
        {weak && <div class="hint hint-weak">{t.auth.tooWeak}</div>}
        <label class="field">
          <span>{t.auth.repeat}</span>
          <input name="repeat" type="password" autocomplete="new-password" value={repeat} onInput={(e: Event) => setRepeat(value(e))} required />
        </label>
        <label class="check-line">
          <input name="createNetwork" type="checkbox" checked={createNetwork} onChange={(e: Event) => setCreateNetwork((e.target as HTMLInputElement).checked)} />{' '}
          {t.auth.createNetwork}
        </label>
        {createNetwork && (
          <label class="field">
            <span>{t.auth.networkSubnet}</span>
            <input name="subnet" spellcheck={false} placeholder={SUBNET_SHAPE} value={subnet} onInput={(e: Event) => setSubnet(value(e))} />
          </label>
        )}
        {createNetwork && <div class="hint">{t.auth.networkSubnetHint}</div>}
        <ErrorNote message={error} />
        <button type="submit" class="button button-primary button-block" disabled={busy}>
          {busy ? t.common.creating : t.auth.createAdmin}
        </button>
      </form>
    </div>
  );
}
