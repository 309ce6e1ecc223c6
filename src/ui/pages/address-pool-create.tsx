/** @jsxImportSource hono/jsx/dom */
/**
 * The new-address-pool dialog: name, network, mode, gateway, DNS servers and ranges. The shared
 * check of the ranges runs as you type (outside the gateway's or the network's subnet, the
 * gateway inside a range, overlaps with each other and with the network's other pools); what the
 * API refuses lands next to its field.
 */
import { useState } from 'hono/jsx/dom';
import type { AddressPool, Network } from '../../shared/api-types.js';
import { createAddressPoolSchema } from '../../shared/schemas.js';
import { addressList, emptyRange, poolField, rangeProblems, rangesBody, type RangeRow } from '../address-pool-check.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { AddressRanges } from '../components/address-ranges.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { FormActions } from '../components/form-actions.js';
import { Modal } from '../components/modal.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';

/** What a NAT network fixes in a pool on it: the gateway (the host), the prefix, and its DNS. */
function natDefaults(net: Network | undefined): { gateway: string; dns: string; prefix: string } | undefined {
  if (net?.kind !== 'nat' || !net.gateway || !net.subnet) return undefined;
  return { gateway: net.gateway, dns: net.gateway, prefix: net.subnet.split('/')[1] ?? '24' };
}

/** New-address-pool form in a modal; `network` preselects a network (id). */
export function CreateAddressPoolDialog(props: { networks: Network[]; pools: AddressPool[]; network?: string; onClose: () => void; onCreated: (pool: AddressPool) => void }) {
  const first = props.networks.find((n) => n.id === props.network) ?? props.networks[0];
  const nat = natDefaults(first);
  const form = useForm({ name: '', network: first?.id ?? '', mode: 'dhcp', gateway: nat?.gateway ?? '', dns: nat?.dns ?? '' });
  const [rows, setRows] = useState<RangeRow[]>([emptyRange(nat?.prefix)]);
  const [touched, setTouched] = useState(false);
  const server = useApiFieldErrors(poolField, { address_pool_name_taken: 'name' });
  const f = form.values;
  const net = props.networks.find((n) => n.id === f.network);
  const body = { name: f.name.trim(), network: f.network, mode: f.mode as 'dhcp' | 'static', gateway: f.gateway.trim(), dnsServers: addressList(f.dns), ranges: rangesBody(rows) };
  const live = rangeProblems(f.gateway, rows, net, props.pools);
  const errors: FieldErrors = { ...server.errors, ...(touched ? schemaErrors(createAddressPoolSchema, body, poolField) : {}), ...live };
  const submit = useSubmit(async () => {
    setTouched(true);
    const parsed = createAddressPoolSchema.safeParse(body);
    if (!parsed.success || Object.keys(live).length > 0) return;
    const pool = await server.run(() => api.addressPools.create(parsed.data));
    if (!pool) return;
    changes.set(changes.get() + 1);
    props.onCreated(pool);
    props.onClose();
  });
  const pickNetwork = (e: Event) => {
    const id = (e.target as HTMLSelectElement).value;
    const d = natDefaults(props.networks.find((n) => n.id === id));
    form.patch({ network: id, ...(d ? { gateway: d.gateway, dns: d.dns } : {}) });
    if (d) setRows(rows.map((r) => ({ ...r, prefix: d.prefix })));
  };
  return (
    <Modal title={t.addressPools.createTitle} onClose={props.onClose} wide>
      <form class="form-grid" onSubmit={submit.run} onInput={server.clear} noValidate aria-label={t.addressPools.createTitle}>
        {props.networks.length === 0 && <p class="note note-info span-2">{t.addressPools.noNetwork}</p>}
        <Field label={t.addressPools.name} error={errors.name}>
          <input name="name" value={f.name} placeholder={t.addressPools.namePlaceholder} onInput={form.text('name')} autofocus />
        </Field>
        <Field label={t.addressPools.network} error={errors.network}>
          <select name="network" value={f.network} onChange={pickNetwork}>
            {props.networks.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name} ({n.kind === 'nat' ? t.networks.kindNat : t.networks.kindBridged}{n.subnet ? ` ${n.subnet}` : ''})
              </option>
            ))}
          </select>
        </Field>
        <fieldset class="field span-2">
          <legend>{t.addressPools.mode}</legend>
          <div class="radio-row">
            <label>
              <input type="radio" name="mode" value="dhcp" checked={f.mode === 'dhcp'} onChange={() => form.set('mode', 'dhcp')} /> {t.addressPools.modeDhcpLong}
            </label>
            <label>
              <input type="radio" name="mode" value="static" checked={f.mode === 'static'} onChange={() => form.set('mode', 'static')} /> {t.addressPools.modeStaticLong}
            </label>
          </div>
        </fieldset>
        <Field label={t.addressPools.gateway} error={errors.gateway} hint={net?.kind === 'nat' && net.gateway ? t.addressPools.natGatewayHint(net.gateway) : undefined}>
          <input name="gateway" value={f.gateway} placeholder={t.addressPools.gatewayPlaceholder} onInput={form.text('gateway')} aria-invalid={errors.gateway ? 'true' : undefined} />
        </Field>
        <Field label={t.addressPools.dnsField} error={errors.dnsServers}>
          <input name="dns" value={f.dns} placeholder={t.addressPools.dnsPlaceholder} onInput={form.text('dns')} />
        </Field>
        <AddressRanges rows={rows} onChange={setRows} errors={errors} />
        <div class="span-2">
          <ErrorNote message={submit.error} />
        </div>
        <FormActions onCancel={props.onClose} busy={submit.busy} disabled={props.networks.length === 0} wide />
      </form>
    </Modal>
  );
}
