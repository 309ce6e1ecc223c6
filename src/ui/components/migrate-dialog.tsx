/** @jsxImportSource hono/jsx/dom */
/**
 * "Migrate…" on the instance page: a select of the hosts of the instance's pool as the server
 * checks them (GET …/migration-targets: its current host, offline, disabled for scheduling,
 * capacity, networks), those that cannot take it shown disabled with the reasons before anyone
 * submits. The live option shows while it runs (required then). The move is followed in the
 * activity panel.
 */
import { useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Instance } from '../../shared/api-types.js';
import type { MigrationTarget } from '../../shared/migration.js';
import { api } from '../api.js';
import { useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes, errorText, trackOperation } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';

const movable = (i: Instance) => i.state === 'stopped' || i.state === 'running' || i.state === 'paused';

/** Why a host cannot take the instance, in the UI's language; undefined when it may. */
export function targetUnfitText(target: MigrationTarget, instance: Pick<Instance, 'hostId'>): string | undefined {
  if (target.hostId === instance.hostId) return t.migrate.why.current;
  if (target.fits) return undefined;
  return target.reasons.map(t.migrate.reason).join(t.migrate.reasonSeparator);
}

function MigrateDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const [hosts, setHosts] = useState<MigrationTarget[] | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [hostId, setHostId] = useState('');
  const running = instance.state !== 'stopped';
  const [live, setLive] = useState(running);
  useEffect(() => {
    api.instances.migrationTargets(instance.id).then((list) => setHosts(list.items), (err: unknown) => setLoadError(errorText(err)));
  }, [instance.id]);
  const fit = (hosts ?? []).filter((h) => !targetUnfitText(h, instance));
  const submit = useSubmit(async () => {
    const target = hosts?.find((h) => h.hostId === hostId);
    if (!target) return;
    const accepted = await api.instances.migrate(instance.id, { hostId: target.hostId, ...(running && live ? { live: true } : {}) });
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
              const why = targetUnfitText(h, instance);
              return (
                <option key={h.hostId} value={h.hostId} disabled={why !== undefined}>
                  {why ? t.migrate.unfit(h.name, why) : h.name}
                </option>
              );
            })}
          </select>
        </Field>
        {!hosts && !loadError && <p class="muted" role="status">{t.migrate.checking}</p>}
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
