/** @jsxImportSource hono/jsx/dom */
/**
 * "Make a bridge" for bridged networking: pick an Ethernet NIC of the host (the one with the
 * default route is marked) and a bridge name, read the dry run's plan, and apply it only after an
 * explicit confirmation. The server rolls everything back when a step fails or the gateway goes
 * silent; its sentence shows here.
 */
import { useState } from 'hono/jsx/dom';
import type { BridgeSetupResult, HostInterface } from '../../shared/api-types.js';
import { bridgeSetupSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { schemaErrors, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { Modal } from './modal.js';

/** NICs a bridge can take over: Ethernet links not already a port of a bridge. */
export const bridgeable = (list: HostInterface[]) => list.filter((i) => i.kind === 'ethernet' && !i.master);

/** The plan (or what was done), one step a line, as the server wrote it (with its own numbering and indentation). */
function Plan({ result }: { result: BridgeSetupResult }) {
  return (
    <div class={`note ${result.applied ? 'note-info' : 'note-warn'}`} data-testid={result.applied ? 'bridge-result' : 'bridge-plan'}>
      <p class="strong">{result.applied ? t.bridge.applied(result.bridge) : t.bridge.planTitle}</p>
      <ul class="plan" lang="en">
        {result.plan.map((line, n) => (
          <li key={n}>{line}</li>
        ))}
      </ul>
    </div>
  );
}

/** The dialog; `onDone` runs after the bridge was made. */
export function BridgeSetupDialog({ hostId, interfaces, onClose, onDone }: { hostId: string; interfaces: HostInterface[]; onClose: () => void; onDone: () => void }) {
  // The NICs as they were when the dialog opened (after the change the chosen one is a port).
  const [nics] = useState(bridgeable(interfaces));
  const [nic, setNic] = useState((nics.find((i) => i.defaultRoute) ?? nics[0])?.name ?? '');
  const [bridge, setBridge] = useState('br0');
  const [confirmed, setConfirmed] = useState(false);
  const [result, setResult] = useState<BridgeSetupResult | undefined>(undefined);
  /** The request the plan on screen answers: applying needs a plan for exactly these values. */
  const [planned, setPlanned] = useState('');
  const key = `${nic}/${bridge.trim()}`;
  const errors = schemaErrors(bridgeSetupSchema, { nic, bridge: bridge.trim() });
  const dryRun = useSubmit(async () => {
    setResult(undefined);
    setConfirmed(false);
    setResult(await api.hosts.bridgeSetup(hostId, { nic, bridge: bridge.trim(), confirm: false }));
    setPlanned(key);
  });
  const apply = useSubmit(async () => {
    const done = await api.hosts.bridgeSetup(hostId, { nic, bridge: bridge.trim(), confirm: true });
    setResult(done);
    changes.set(changes.get() + 1);
    onDone();
  });
  const change = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLInputElement).value);
    setResult(undefined);
    setPlanned('');
    setConfirmed(false);
  };
  const applied = result?.applied === true;
  return (
    <Modal title={t.bridge.title} onClose={onClose} wide>
      <p class="muted">{t.bridge.intro}</p>
      {nics.length === 0 && <p class="note note-info">{t.bridge.noNic}</p>}
      <div class="form-grid">
        <Field label={t.bridge.nic} error={errors.nic}>
          <select name="nic" value={nic} disabled={applied} onChange={change(setNic)} autofocus>
            {nics.map((i) => (
              <option key={i.name} value={i.name}>
                {t.bridge.nicOption(i.name, i.addresses.filter((a) => !a.includes(':')).join(', '), i.defaultRoute)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.bridge.bridgeName} error={errors.bridge}>
          <input name="bridge" value={bridge} disabled={applied} onInput={change(setBridge)} />
        </Field>
      </div>
      {!applied && (
        <div class="actions">
          <button type="button" class="button" data-action="dry-run" disabled={!nic || dryRun.busy || Object.keys(errors).length > 0} onClick={() => void dryRun.run()}>
            {dryRun.busy ? t.common.working : t.bridge.showPlan}
          </button>
        </div>
      )}
      <ErrorNote message={dryRun.error} />
      {result && <Plan result={result} />}
      {result && !applied && planned === key && (
        <label class="check-line">
          <input name="confirm" type="checkbox" checked={confirmed} onChange={(e: Event) => setConfirmed((e.target as HTMLInputElement).checked)} /> {t.bridge.confirm(nic, bridge.trim())}
        </label>
      )}
      <ErrorNote message={apply.error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={onClose}>
          {applied ? t.common.close : t.common.cancel}
        </button>
        {!applied && (
          <button type="button" class="button button-danger" data-action="apply" disabled={!confirmed || planned !== key || apply.busy} onClick={() => void apply.run()}>
            {apply.busy ? t.common.working : t.bridge.apply}
          </button>
        )}
      </div>
    </Modal>
  );
}
