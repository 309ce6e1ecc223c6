/** @jsxImportSource hono/jsx/dom */
/**
 * What a running instance's guest reports through its agent (agent state, hostname, OS, kernel)
 * and the Set guest password dialog. A silent agent is a quiet state, not an error.
 */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import type { GuestInfo } from '../../shared/guest.js';
import { setGuestPasswordSchema } from '../../shared/guest.js';
import { api } from '../api.js';
import { useApiFieldErrors } from '../api-field-errors.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { useResource } from '../use-resource.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';
import { may } from '../permissions.js';

/** The OS as one line: its pretty name, else name and version. */
function osLine(g: GuestInfo): string | null {
  return g.osPrettyName ?? ([g.osName, g.osVersion].filter(Boolean).join(' ') || null);
}

/** The dialog; closes after the guest took the password, saying whose it was. */
function SetPasswordDialog({ instance: i, onDone, onClose }: { instance: Instance; onDone: (user: string) => void; onClose: () => void }) {
  const form = useForm({ username: '', password: '' });
  const f = form.values;
  const server = useApiFieldErrors();
  const body = { ...(f.username.trim() ? { username: f.username.trim() } : {}), password: f.password };
  const errors = { ...server.errors, ...(f.password || f.username ? schemaErrors(setGuestPasswordSchema, body) : {}) };
  const submit = useSubmit(async () => {
    const parsed = setGuestPasswordSchema.safeParse(body);
    if (!parsed.success) return;
    const done = await server.run(() => api.instances.setGuestPassword(i.id, parsed.data));
    if (done) onDone(done.username);
  });
  const title = t.guest.setPasswordTitle(i.name);
  return (
    <Modal title={title} onClose={onClose}>
      <form class="form-grid" onSubmit={submit.run} onInput={server.clear} noValidate aria-label={title}>
        <p class="muted span-2">{t.guest.setPasswordHint}</p>
        <Field label={t.guest.username} error={errors.username} class="span-2">
          <input name="username" value={f.username} onInput={form.text('username')} autocomplete="off" autofocus />
        </Field>
        <Field label={t.guest.password} error={errors.password} class="span-2">
          <input name="password" type="password" value={f.password} onInput={form.text('password')} autocomplete="new-password" aria-invalid={errors.password ? 'true' : undefined} />
        </Field>
        <div class="span-2">
          <ErrorNote message={submit.error} />
        </div>
        <FormActions onCancel={onClose} busy={submit.busy} label={t.common.save} busyLabel={t.common.saving} wide />
      </form>
    </Modal>
  );
}

/** The guest card of the instance page. */
export function GuestPanel({ instance: i }: { instance: Instance }) {
  const running = i.state === 'running';
  const info = useResource(() => api.instances.guestInfo(i.id), 5000, `${i.id}:${i.state}`);
  const [dialog, setDialog] = useState(false);
  const [done, setDone] = useState<string | undefined>(undefined);
  const g = info.data;
  const available = g?.agent === 'available';
  const value = (v: string | null | undefined) => (v ? v : <span class="muted">{t.guest.unknown}</span>);
  return (
    <section class="card" aria-label={t.guest.title} data-testid="guest-panel">
      <h2>{t.guest.title}</h2>
      <dl class="kv">
        <dt>{t.guest.agent}</dt>
        <dd data-testid="guest-agent">
          {available ? t.guest.agentAvailable : <span class="muted" title={t.guest.agentUnavailableHint}>{t.guest.agentUnavailable}</span>}
        </dd>
        {available && g && (
          <>
            <dt>{t.guest.hostname}</dt>
            <dd data-testid="guest-hostname">{value(g.hostname)}</dd>
            <dt>{t.guest.os}</dt>
            <dd data-testid="guest-os">{value(osLine(g))}</dd>
            <dt>{t.guest.kernel}</dt>
            <dd class="mono">{value(g.kernelRelease)}</dd>
          </>
        )}
      </dl>
      {!available && <p class="muted">{t.guest.agentUnavailableHint}</p>}
      {done && (
        <p role="status" data-testid="guest-password-done">
          {t.guest.passwordSet(done)}
        </p>
      )}
      {may('instances.modify', i.groupId) && (
        <button type="button" class="button" disabled={!running} title={running ? undefined : t.guest.runningOnly} onClick={() => setDialog(true)}>
          {t.guest.setPassword}
        </button>
      )}
      {dialog && (
        <SetPasswordDialog
          instance={i}
          onClose={() => setDialog(false)}
          onDone={(user) => {
            setDone(user);
            setDialog(false);
          }}
        />
      )}
    </section>
  );
}
