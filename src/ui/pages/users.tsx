/** @jsxImportSource hono/jsx/dom */
/** The Users page (admins): list and search, create, edit, disable or enable, reset a password, delete. */
import { useState } from 'hono/jsx/dom';
import type { UserAccount } from '../../shared/users.js';
import { createUserSchema, resetPasswordSchema, updateUserSchema } from '../../shared/users.js';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { FormActions } from '../components/form-actions.js';
import { PageHeader } from '../components/layout.js';
import { Modal } from '../components/modal.js';
import { PasswordRules } from '../components/password-rules.js';
import { dateTime } from '../format.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { errorText, session, useStore } from '../store.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';

type Dialog = { kind: 'create' } | { kind: 'edit' | 'reset' | 'delete'; user: UserAccount } | undefined;

const roleLabel = (role: string) => (role === 'admin' ? t.users.roleAdmin : t.users.roleUser);

/** New user: username, password (with its rules), display name, e-mail, role. */
function CreateUserDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const form = useForm({ username: '', password: '', displayName: '', email: '', role: 'user' });
  const [shown, setShown] = useState(false);
  const errors = shown ? schemaErrors(createUserSchema, form.values) : {};
  const submit = useSubmit(async () => {
    setShown(true);
    if (!createUserSchema.safeParse(form.values).success) return;
    await api.users.create(createUserSchema.parse(form.values));
    onDone();
    onClose();
  });
  return (
    <Modal title={t.users.createTitle} onClose={onClose}>
      <form class="form" onSubmit={(e: Event) => void submit.run(e)} data-testid="user-create-form">
        <Field label={t.users.username} error={errors.username}>
          <input name="username" autofocus autocomplete="off" value={form.values.username} onInput={form.text('username')} />
        </Field>
        <Field label={t.users.password} error={errors.password ? t.auth.tooWeak : undefined}>
          <input name="password" type="password" autocomplete="new-password" value={form.values.password} onInput={form.text('password')} />
        </Field>
        <PasswordRules password={form.values.password} />
        <Field label={t.users.displayName} error={errors.displayName}>
          <input name="displayName" value={form.values.displayName} onInput={form.text('displayName')} />
        </Field>
        <Field label={t.users.email} error={errors.email}>
          <input name="email" type="email" value={form.values.email} onInput={form.text('email')} />
        </Field>
        <RoleSelect value={form.values.role} onChange={(role) => form.set('role', role)} />
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} />
      </form>
    </Modal>
  );
}

function RoleSelect({ value, onChange }: { value: string; onChange: (role: string) => void }) {
  return (
    <Field label={t.users.role}>
      <select name="role" value={value} onChange={(e: Event) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="user">{t.users.roleUser}</option>
        <option value="admin">{t.users.roleAdmin}</option>
      </select>
    </Field>
  );
}

/** Display name, e-mail and role of a user. */
function EditUserDialog({ user, onClose, onDone }: { user: UserAccount; onClose: () => void; onDone: () => void }) {
  const form = useForm({ displayName: user.displayName, email: user.email, role: user.role as string });
  const errors = schemaErrors(updateUserSchema, form.values);
  const submit = useSubmit(async () => {
    await api.users.update(user.id, updateUserSchema.parse(form.values));
    onDone();
    onClose();
  });
  return (
    <Modal title={t.users.editTitle(user.username)} onClose={onClose}>
      <form class="form" onSubmit={(e: Event) => void submit.run(e)} data-testid="user-edit-form">
        <Field label={t.users.displayName} error={errors.displayName}>
          <input name="displayName" autofocus value={form.values.displayName} onInput={form.text('displayName')} />
        </Field>
        <Field label={t.users.email} error={errors.email}>
          <input name="email" type="email" value={form.values.email} onInput={form.text('email')} />
        </Field>
        <RoleSelect value={form.values.role} onChange={(role) => form.set('role', role)} />
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} label={t.common.save} busyLabel={t.common.saving} disabled={Object.keys(errors).length > 0} />
      </form>
    </Modal>
  );
}

/** An admin sets a new password for a user. */
function ResetPasswordDialog({ user, onClose }: { user: UserAccount; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const ok = resetPasswordSchema.safeParse({ newPassword: password }).success;
  const submit = useSubmit(async () => {
    await api.users.resetPassword(user.id, password);
    onClose();
  });
  return (
    <Modal title={t.users.resetTitle(user.username)} onClose={onClose}>
      <form class="form" onSubmit={(e: Event) => void submit.run(e)} data-testid="user-reset-form">
        <p class="muted">{t.users.resetHint}</p>
        <Field label={t.users.newPassword}>
          <input name="newPassword" type="password" autofocus autocomplete="new-password" value={password} onInput={(e: Event) => setPassword((e.target as HTMLInputElement).value)} />
        </Field>
        <PasswordRules password={password} />
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} label={t.users.resetPassword} busyLabel={t.common.working} disabled={!ok} />
      </form>
    </Modal>
  );
}

/** The page. */
export function UsersPage() {
  const [q, setQ] = useState('');
  const [dialog, setDialog] = useState<Dialog>(undefined);
  const me = useStore(session);
  const list = useResource(() => api.users.list(q || undefined), 0, q);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  useTitle(t.users.title);
  const close = () => setDialog(undefined);
  const toggle = async (u: UserAccount) => {
    setActionError(undefined);
    await api.users.update(u.id, { disabled: !u.disabled }).then(list.reload, (err: unknown) => setActionError(errorText(err)));
  };
  return (
    <>
      <PageHeader title={t.users.title}>
        <button type="button" class="button button-primary" onClick={() => setDialog({ kind: 'create' })}>
          {t.users.create}
        </button>
      </PageHeader>
      <div class="filters">
        <label>
          {t.users.search} <input type="search" name="q" value={q} onInput={(e: Event) => setQ((e.target as HTMLInputElement).value.trim())} />
        </label>
      </div>
      <ErrorNote message={list.error ?? actionError} />
      {list.data && list.data.length === 0 && <p class="muted">{t.users.none}</p>}
      {list.data && list.data.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="users-table">
            <thead>
              <tr>
                <th>{t.users.username}</th>
                <th>{t.users.displayName}</th>
                <th>{t.users.email}</th>
                <th>{t.users.role}</th>
                <th>{t.users.status}</th>
                <th>{t.users.created}</th>
                <th>{t.users.actions}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((u) => (
                <tr key={u.id} data-testid="user-row" data-username={u.username}>
                  <td>
                    {u.username} {u.id === me?.user.id && <span class="muted">({t.users.you})</span>}
                  </td>
                  <td>{u.displayName}</td>
                  <td>{u.email}</td>
                  <td>{roleLabel(u.role)}</td>
                  <td>{u.disabled ? t.users.disabled : t.users.enabled}</td>
                  <td>{dateTime(u.createdAt)}</td>
                  <td>
                    <div class="actions">
                      <button type="button" class="button button-small" onClick={() => setDialog({ kind: 'edit', user: u })}>{t.users.edit}</button>
                      <button type="button" class="button button-small" onClick={() => void toggle(u)}>{u.disabled ? t.users.enable : t.users.disable}</button>
                      <button type="button" class="button button-small" onClick={() => setDialog({ kind: 'reset', user: u })}>{t.users.resetPassword}</button>
                      <button type="button" class="button button-small button-danger" onClick={() => setDialog({ kind: 'delete', user: u })}>{t.common.delete}</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.kind === 'create' && <CreateUserDialog onClose={close} onDone={list.reload} />}
      {dialog?.kind === 'edit' && <EditUserDialog user={dialog.user} onClose={close} onDone={list.reload} />}
      {dialog?.kind === 'reset' && <ResetPasswordDialog user={dialog.user} onClose={close} />}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={t.users.deleteTitle(dialog.user.username)}
          message={t.users.deleteMessage(dialog.user.username)}
          confirmLabel={t.common.delete}
          onConfirm={() => api.users.delete(dialog.user.id).then(list.reload)}
          onClose={close}
        />
      )}
    </>
  );
}
