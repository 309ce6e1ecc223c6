/** @jsxImportSource hono/jsx/dom */
/**
 * An instance's network side: its NICs (network, MAC, allocated address) with add and remove
 * while it is stopped, and the addresses the running guest has, from its guest agent or, without
 * one, from the DHCP leases.
 */
import { useState } from 'hono/jsx/dom';
import type { GuestAddresses, Instance, Network, Nic } from '../../shared/api-types.js';
import { nicRequestSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import { useResource } from '../use-resource.js';
import { DataTable, type Column } from './data-table.js';
import { DeleteButton } from './delete-button.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';
import { may } from '../permissions.js';

/** Refusals about one field of the add-NIC form. */
const CODE_FIELDS = { address_taken: 'address', address_outside_ranges: 'address', address_needs_pool: 'address', address_pool_exhausted: 'address', mac_taken: 'mac', network_not_found: 'network' };

/** Adds a NIC to a stopped instance. */
function AddNicDialog({ instance, networks, onClose }: { instance: Instance; networks: Network[]; onClose: () => void }) {
  const form = useForm({ network: networks[0]?.id ?? '', address: '', mac: '' });
  const [touched, setTouched] = useState(false);
  const server = useApiFieldErrors((p) => p, CODE_FIELDS);
  const f = form.values;
  const body = { network: f.network, ...(f.address.trim() ? { address: f.address.trim() } : {}), ...(f.mac.trim() ? { mac: f.mac.trim() } : {}) };
  const errors: FieldErrors = { ...server.errors, ...(touched ? schemaErrors(nicRequestSchema, body) : {}) };
  const submit = useSubmit(async () => {
    setTouched(true);
    const parsed = nicRequestSchema.safeParse(body);
    if (!parsed.success) return;
    if (await server.run(() => api.instances.addNic(instance.id, parsed.data))) onClose();
  });
  return (
    <Modal title={t.nics.addTitle(instance.name)} onClose={onClose}>
      <form onSubmit={submit.run} onInput={server.clear} noValidate aria-label={t.nics.addTitle(instance.name)}>
        <Field label={t.nics.network} error={errors.network}>
          <select name="network" value={f.network} onChange={form.text('network')} autofocus>
            {networks.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.nics.fixedAddress} error={errors.address} hint={t.nics.addAddressHint}>
          <input name="address" value={f.address} placeholder={t.nics.addressPlaceholder} onInput={form.text('address')} />
        </Field>
        <Field label={t.nics.mac} error={errors.mac} hint={t.nics.macHint}>
          <input name="mac" value={f.mac} placeholder={t.nics.macPlaceholder} onInput={form.text('mac')} />
        </Field>
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} disabled={!f.network} label={t.nics.add} busyLabel={t.common.working} />
      </form>
    </Modal>
  );
}

/** The addresses the guest has, while it runs. */
function GuestAddressList({ instance }: { instance: Instance }) {
  const running = instance.state === 'running';
  const res = useResource<GuestAddresses | undefined>(() => (running ? api.instances.guestAddresses(instance.id) : Promise.resolve(undefined)), 5000, `${instance.id}:${instance.state}`);
  const g = res.data;
  const items = g?.items.filter((i) => i.addresses.length > 0) ?? [];
  return (
    <div data-testid="guest-addresses" data-source={g?.source ?? ''}>
      <h3>{t.nics.guestTitle}</h3>
      {!running && <p class="muted">{t.nics.guestNotRunning}</p>}
      {running && res.error && <ErrorNote message={res.error} />}
      {running && !g && !res.error && <p class="muted">{t.app.loading}</p>}
      {running && g && <p class="muted small" data-testid="guest-source">{g.source === 'agent' ? t.nics.fromAgent : t.nics.fromLeases}</p>}
      {running && g && items.length === 0 && <p class="muted">{t.nics.guestNone}</p>}
      {items.length > 0 && (
        <ul class="plain-list">
          {items.map((i) => (
            <li key={`${i.mac}-${i.name ?? ''}`} data-mac={i.mac}>
              <span class="strong">{i.name ?? i.mac}</span>{' '}
              {i.addresses.map((a) => (
                <span key={a.address} class="mono guest-address" data-address={a.address}>
                  {a.prefix === null ? a.address : `${a.address}/${a.prefix}`}
                </span>
              ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The NICs table and the guest's addresses. */
export function NicsPanel({ instance, onChanged }: { instance: Instance; onChanged: () => void }) {
  const nets = useResource(() => api.networks.list(), 0, instance.id);
  const [adding, setAdding] = useState(false);
  const stopped = instance.state === 'stopped';
  const locked = stopped ? undefined : t.nics.locked(t.states[instance.state] ?? instance.state);
  const networks = nets.data ?? [];
  const netName = (id: string) => networks.find((n) => n.id === id);
  const canModify = may('instances.modify', instance.groupId);
  const cols: Column<Nic>[] = [
    { key: 'position', label: t.nics.position, render: (n) => n.position },
    {
      key: 'network',
      label: t.nics.network,
      render: (n) => {
        const net = netName(n.networkId);
        return net ? <a href={href('networks', net.id)}>{net.name}</a> : <span class="muted">…</span>;
      },
    },
    { key: 'mac', label: t.nics.mac, render: (n) => <span class="mono">{n.mac}</span> },
    {
      key: 'address',
      label: t.nics.address,
      render: (n) =>
        n.address ? (
          n.addressPoolId ? <a class="mono" href={href('address-pools', n.addressPoolId)}>{n.address}</a> : <span class="mono">{n.address}</span>
        ) : (
          <span class="muted">{t.nics.noAddress}</span>
        ),
    },
    ...(canModify ? [{
      key: 'actions',
      label: t.table.actions,
      render: (n: Nic) => (
        <DeleteButton
          label={t.nics.remove}
          title={t.nics.removeTitle(n.mac)}
          message={n.address ? t.nics.removeMessageAddress(n.address) : t.nics.removeMessage}
          disabledReason={locked}
          onDelete={() => api.instances.removeNic(instance.id, n.id)}
          onDeleted={onChanged}
        />
      ),
    }] : []),
  ];
  return (
    <section class="card" aria-label={t.nics.title}>
      <h2>{t.nics.title}</h2>
      <ErrorNote message={nets.error} />
      {instance.nics.length === 0 ? (
        <p class="muted">{t.nics.none}</p>
      ) : (
        <DataTable id="nics-table" columns={cols} rows={instance.nics} rowKey={(n) => n.id} rowAttrs={(n) => ({ 'data-mac': n.mac, 'data-address': n.address ?? '' })} />
      )}
      {canModify && (<div class="actions">
        <button type="button" class="button button-small" data-action="add-nic" disabled={Boolean(locked) || networks.length === 0} title={locked} onClick={() => setAdding(true)}>
          {t.nics.add}
        </button>
        {locked && <span class="muted small" data-testid="nics-locked">{locked}</span>}
      </div>)}
      {adding && (
        <AddNicDialog
          instance={instance}
          networks={networks}
          onClose={() => {
            setAdding(false);
            onChanged();
          }}
        />
      )}
      <GuestAddressList instance={instance} />
    </section>
  );
}
