/** @jsxImportSource hono/jsx/dom */
/** The Account page (everyone): who you are, change your password, your sessions (revoke), your API tokens (create with an expiry, secret shown once, revoke). */
import { useState } from 'hono/jsx/dom';
import { createTokenSchema } from '../../shared/auth.js';
import { changePasswordSchema, type ApiTokenSummary, type SessionSummary } from '../../shared/users.js';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { DataTable, type Column } from '../components/data-table.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { PageHeader } from '../components/layout.js';
import { PasswordRules } from '../components/password-rules.js';
import { dateTime } from '../format.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { session, useStore } from '../store.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';

/** Current and new password; the other sessions end. */
function ChangePasswordForm() {
  const form = useForm({ currentPassword: '', newPassword: '' });
  const [done, setDone] = useState(false);
  const ok = changePasswordSchema.safeParse(form.values).success;
  const submit = useSubmit(async () => {
    setDone(false);
    await api.account.changePassword(form.values.currentPassword, form.values.newPassword);
    form.patch({ currentPassword: '', newPassword: '' });
    setDone(true);
  });
  return (
    <section class="card" aria-label={t.account.changePassword}>
      <h2>{t.account.changePassword}</h2>
      <form class="form" onSubmit={(e: Event) => void submit.run(e)} data-testid="change-password-form">
        <Field label={t.account.currentPassword}>
          <input name="currentPassword" type="password" autocomplete="current-password" value={form.values.currentPassword} onInput={form.text('currentPassword')} />
        </Field>
        <Field label={t.account.newPassword}>
          <input name="newPassword" type="password" autocomplete="new-password" value={form.values.newPassword} onInput={form.text('newPassword')} />
        </Field>
        <PasswordRules password={form.values.newPassword} />
        <ErrorNote message={submit.error} />
        {done && (
          <div class="note" role="status">
            {t.account.passwordChanged}
          </div>
        )}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={!ok || submit.busy}>
            {submit.busy ? t.common.working : t.account.changePassword}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The columns of the sessions table; `revoke` asks before revoking one. */
function sessionColumns(revoke: (s: SessionSummary) => void): Column<SessionSummary>[] {
  return [
    { key: 'created', label: t.account.created, render: (s) => dateTime(s.createdAt), sort: (s) => s.createdAt },
    { key: 'lastSeen', label: t.account.lastSeen, render: (s) => dateTime(s.lastSeenAt), sort: (s) => s.lastSeenAt },
    { key: 'source', label: t.account.source, render: (s) => <span class="mono">{s.ip ?? '—'}</span> },
    { key: 'browser', label: t.account.browser, render: (s) => <span class="small" lang="en">{s.userAgent ?? '—'}</span> },
    {
      key: 'actions',
      label: t.users.actions,
      render: (s) =>
        s.current ? (
          <span class="muted">{t.account.current}</span>
        ) : (
          <button type="button" class="button button-small button-danger" onClick={() => revoke(s)}>
            {t.account.revoke}
          </button>
        ),
    },
  ];
}

/** The columns of the API tokens table; `revoke` asks before revoking one. */
function tokenColumns(revoke: (k: ApiTokenSummary) => void): Column<ApiTokenSummary>[] {
  return [
    { key: 'name', label: t.account.tokenName, render: (k) => k.name, sort: (k) => k.name },
    { key: 'created', label: t.users.created, render: (k) => dateTime(k.createdAt), sort: (k) => k.createdAt },
    { key: 'lastUsed', label: t.account.lastUsed, render: (k) => dateTime(k.lastUsedAt), sort: (k) => k.lastUsedAt ?? '' },
    { key: 'expires', label: t.account.expires, render: (k) => (k.expiresAt ? dateTime(k.expiresAt) : t.account.never), sort: (k) => k.expiresAt ?? '~' },
    {
      key: 'actions',
      label: t.users.actions,
      render: (k) => (
        <button type="button" class="button button-small button-danger" onClick={() => revoke(k)}>
          {t.account.revoke}
        </button>
      ),
    },
  ];
}

/** Your sessions, each but this one revocable. */
function SessionsSection() {
  const list = useResource(() => api.account.sessions(), 0);
  const [revoking, setRevoking] = useState<SessionSummary | undefined>(undefined);
  return (
    <section class="card" aria-label={t.account.sessions}>
      <h2>{t.account.sessions}</h2>
      <p class="muted">{t.account.sessionsHint}</p>
      <ErrorNote message={list.error} />
      {list.data && <DataTable id="sessions-table" columns={sessionColumns(setRevoking)} rows={list.data} rowKey={(x) => x.id} rowAttrs={(x) => ({ 'data-testid': 'session-row', 'data-current': String(x.current) })} initialSort="created" />}
      {revoking && (
        <ConfirmDialog
          title={t.account.revokeSessionTitle}
          message={t.account.revokeSessionMessage}
          confirmLabel={t.account.revoke}
          onConfirm={() => api.account.revokeSession(revoking.id).then(list.reload)}
          onClose={() => setRevoking(undefined)}
        />
      )}
    </section>
  );
}

/** Your API tokens: create one (the secret shows once), revoke. */
function TokensSection() {
  const list = useResource(() => api.tokens.list(), 0);
  const form = useForm({ name: '', days: '' });
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiTokenSummary | undefined>(undefined);
  const input = { name: form.values.name, expiresInDays: form.values.days ? Number(form.values.days) : undefined };
  const errors = form.values.name || form.values.days ? schemaErrors(createTokenSchema, input) : {};
  const create = useSubmit(async () => {
    const made = await api.tokens.create(createTokenSchema.parse(input));
    setSecret(made.token);
    form.patch({ name: '', days: '' });
    list.reload();
  });
  return (
    <section class="card" aria-label={t.account.tokens}>
      <h2>{t.account.tokens}</h2>
      <p class="muted">{t.account.tokensHint}</p>
      <form class="filters" onSubmit={(e: Event) => void create.run(e)} data-testid="token-create-form">
        <Field label={t.account.tokenName} error={errors.name}>
          <input name="name" maxLength={100} value={form.values.name} onInput={form.text('name')} />
        </Field>
        <Field label={t.account.expiresInDays} hint={t.account.expiresHint} error={errors.expiresInDays}>
          <input name="expiresInDays" type="number" min={1} max={3650} value={form.values.days} onInput={form.text('days')} />
        </Field>
        <button type="submit" class="button button-primary" disabled={!form.values.name || Object.keys(errors).length > 0 || create.busy}>
          {t.account.createToken}
        </button>
      </form>
      <ErrorNote message={create.error ?? list.error} />
      {secret && (
        <div class="note" role="status" data-testid="token-secret">
          <p>{t.account.tokenCreated}</p>
          <code class="mono">{secret}</code>
        </div>
      )}
      {list.data && list.data.length === 0 && <p class="muted">{t.account.noTokens}</p>}
      {list.data && list.data.length > 0 && (
        <DataTable id="tokens-table" columns={tokenColumns(setRevoking)} rows={list.data} rowKey={(k) => k.id} rowAttrs={(k) => ({ 'data-testid': 'token-row', 'data-name': k.name })} initialSort="name" />
      )}
      {revoking && (
        <ConfirmDialog
          title={t.account.revokeTokenTitle(revoking.name)}
          message={t.account.revokeTokenMessage}
          confirmLabel={t.account.revoke}
          onConfirm={() => api.tokens.delete(revoking.id).then(list.reload)}
          onClose={() => setRevoking(undefined)}
        />
      )}
    </section>
  );
}

/** The page. */
export function AccountPage() {
  const me = useStore(session);
  useTitle(t.account.title);
  return (
    <>
      <PageHeader title={t.account.title} sub={me ? `${me.user.username}${me.user.displayName ? ` · ${me.user.displayName}` : ''}${me.user.email ? ` · ${me.user.email}` : ''}` : undefined} />
      <ChangePasswordForm />
      <SessionsSection />
      <TokensSection />
    </>
  );
}
