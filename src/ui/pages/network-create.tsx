/** @jsxImportSource hono/jsx/dom */
/** The new-network dialog: a private NAT network (subnet optional: empty picks a free /24) or a bridged one on an existing bridge. */
import { useState } from 'hono/jsx/dom';
import type { Network } from '../../shared/api-types.js';
import { createNetworkSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { FormActions } from '../components/form-actions.js';
import { Modal } from '../components/modal.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';

/** Codes that are about one field. */
const CODE_FIELDS = { network_name_taken: 'name', subnet_in_use: 'subnet', bridge_in_use: 'bridge' };

/** New-network form in a modal; `onCreated` gets the new network. */
export function CreateNetworkDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (net: Network) => void }) {
  const form = useForm({ name: '', kind: 'nat', subnet: '', bridge: 'br0' });
  const [touched, setTouched] = useState(false);
  const server = useApiFieldErrors((p) => p, CODE_FIELDS);
  const f = form.values;
  const body =
    f.kind === 'nat'
      ? { kind: 'nat' as const, name: f.name.trim(), ...(f.subnet.trim() ? { subnet: f.subnet.trim() } : {}) }
      : { kind: 'bridged' as const, name: f.name.trim(), bridge: f.bridge.trim() };
  const errors: FieldErrors = { ...server.errors, ...(touched ? schemaErrors(createNetworkSchema, body) : {}) };
  const submit = useSubmit(async () => {
    setTouched(true);
    const parsed = createNetworkSchema.safeParse(body);
    if (!parsed.success) return;
    const net = await server.run(() => api.networks.create(parsed.data));
    if (!net) return;
    changes.set(changes.get() + 1);
    onCreated(net);
    onClose();
  });
  const kind = (value: 'nat' | 'bridged', label: string) => (
    <label>
      <input type="radio" name="kind" value={value} checked={f.kind === value} onChange={() => form.set('kind', value)} /> {label}
    </label>
  );
  return (
    <Modal title={t.networks.createTitle} onClose={onClose}>
      <form onSubmit={submit.run} onInput={server.clear} noValidate aria-label={t.networks.createTitle}>
        <Field label={t.networks.name} error={errors.name}>
          <input name="name" value={f.name} placeholder={t.networks.namePlaceholder} onInput={form.text('name')} autofocus />
        </Field>
        <fieldset class="field">
          <legend>{t.networks.kind}</legend>
          <div class="radio-stack">
            {kind('nat', t.networks.createNat)}
            {kind('bridged', t.networks.createBridged)}
          </div>
        </fieldset>
        {f.kind === 'nat' ? (
          <Field label={t.networks.createSubnet} error={errors.subnet} hint={t.networks.createSubnetHint}>
            <input name="subnet" value={f.subnet} placeholder={t.networks.createSubnetPlaceholder} onInput={form.text('subnet')} />
          </Field>
        ) : (
          <Field label={t.networks.bridge} error={errors.bridge} hint={t.networks.createBridgeHint}>
            <input name="bridge" value={f.bridge} onInput={form.text('bridge')} />
          </Field>
        )}
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} />
      </form>
    </Modal>
  );
}
