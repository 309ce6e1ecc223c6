/** @jsxImportSource hono/jsx/dom */
/**
 * "Migrate…" on the instance page: a select of the hosts of the instance's pool, those that
 * cannot take it shown disabled with the reason (its current host, offline, disabled for
 * scheduling); capacity refusals come back from the server with each host's reason. The live
 * option shows while it runs (required then). The move is followed in the activity panel.
 */
import { useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Host, Instance } from '../../shared/api-types.js';
import { api } from '../api.js';
import { useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes, errorText, trackOperation } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';

const movable = (i: Instance) => i.state === 'stopped' || i.state === 'running' || i.state === 'paused';

/** Why a host cannot take the instance, as far as the browser can tell; undefined when it may. */
export function hostUnfitReason(host: Pick<Host, 'id' | 'poolId' | 'online' | 'enabled'>, instance: Pick<Instance, 'hostId' | 'poolId'>): string | undefined {
  if (host.id === instance.hostId) return t.migrate.why.current;
  if (host.poolId !== instance.poolId) return t.migrate.why.otherPool;
  if (!host.online) return t.migrate.why.offline;
  if (!host.enabled) return t.migrate.why.disabled;
  return undefined;
}

function MigrateDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const [hosts, setHosts] = useState<Host[] | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [hostId, setHostId] = useState('');
  const running = instance.state !== 'stopped';
  const [live, setLive] = useState(running);
  useEffect(() => {
    api.hosts.list().then((all) => setHosts(all.filter((h) => h.poolId === instance.poolId)), (err: unknown) => setLoadError(errorText(err)));
  }, [instance.id]);
  const fit = (hosts ?? []).filter((h) => !hostUnfitReason(h, instance));
  const submit = useSubmit(async () => {
    const target = hosts?.find((h) => h.id === hostId);
    if (!target) return;
    const accepted = await api.instances.migrate(instance.id, { hostId: target.id, ...(running && live ? { live: true } : {}) });
    onClose();
    changes.set(changes.get() + 1);
    await trackOperation(t.migrate.task(instance.name, target.name), accepted.operation).finally(() => changes.set(changes.get() + 1));
  });
  const title = t.migrate.title(instance.name);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit.run} noValidate aria-label={title}>
        <p class="muted">{t.migrate.hint}</p>
        {running && <p class="muted">{t.migrate.liveHint}</p>}
        <Field label={t.migrate.host}>
          <select name="hostId" value={hostId} onChange={(e: Event) => setHostId((e.target as HTMLSelectElement).value)} autofocus>
            <option value="">{t.migrate.choose}</option>
            {(hosts ?? []).map((h) => {
              const why = hostUnfitReason(h, instance);
              return (
                <option key={h.id} value={h.id} disabled={why !== undefined}>
                  {why ? t.migrate.unfit(h.name, why) : h.name}
                </option>
              );
            })}
          </select>
        </Field>
        {hosts && fit.length === 0 && <p class="muted" data-testid="migrate-no-hosts">{t.migrate.noHosts}</p>}
        {running && (
          <label class="checkbox">
            <input type="checkbox" name="live" checked={live} onChange={(e: Event) => setLive((e.target as HTMLInputElement).checked)} /> {t.migrate.live}
          </label>
        )}
        <ErrorNote message={loadError ?? submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} disabled={!hostId || (running && !live)} label={t.migrate.submit} busyLabel={t.common.working} />
      </form>
    </Modal>
  );
}

/** The "Migrate…" button and its dialog. */
export function MigrateButton({ instance }: { instance: Instance }) {
  const [open, setOpen] = useState(false);
  const allowed = movable(instance);
  return (
    <>
      <button type="button" class="button" data-action="migrate" disabled={!allowed} title={allowed ? t.migrate.hint : t.migrate.unavailable} onClick={() => setOpen(true)}>
        {t.migrate.button}
      </button>
      {open && <MigrateDialog instance={instance} onClose={() => setOpen(false)} />}
    </>
  );
}
