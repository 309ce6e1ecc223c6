/** @jsxImportSource hono/jsx/dom */
/**
 * A compute pool's network and address pool (PUT /pools/:id/network): what new instances of the
 * pool get a NIC on and their addresses from. The server refuses a change while the pool's
 * instances hold addresses; its sentence shows here.
 */
import { useState } from 'hono/jsx/dom';
import type { AddressPool, Network, Pool } from '../../shared/api-types.js';
import { api } from '../api.js';
import { useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import { changes } from '../store.js';
import { ErrorNote } from './error-note.js';

/** The network (and address pool) of a compute pool, as names with links. */
export function PoolNetworkSummary({ pool, networks, addressPools }: { pool: Pool; networks: Network[]; addressPools: AddressPool[] }) {
  const net = networks.find((n) => n.id === pool.networkId);
  const ap = addressPools.find((a) => a.id === pool.addressPoolId);
  if (!net) return <span class="muted">{t.poolNetwork.none}</span>;
  return (
    <span data-testid="pool-network">
      <a href={href('networks', net.id)}>{net.name}</a>
      {ap && (
        <>
          {' · '}
          <a href={href('address-pools', ap.id)}>{ap.name}</a>
        </>
      )}
    </span>
  );
}

/** Two selects and Save. */
export function PoolNetworkForm({ pool, networks, addressPools, onSaved }: { pool: Pool; networks: Network[]; addressPools: AddressPool[]; onSaved: () => void }) {
  const [network, setNetwork] = useState(pool.networkId ?? '');
  const [addressPool, setAddressPool] = useState(pool.addressPoolId ?? '');
  const [saved, setSaved] = useState(false);
  const choices = addressPools.filter((a) => a.networkId === network);
  const submit = useSubmit(async () => {
    setSaved(false);
    await api.pools.setNetwork(pool.id, { network: network || null, addressPool: network && addressPool ? addressPool : null });
    changes.set(changes.get() + 1);
    setSaved(true);
    onSaved();
  });
  const changed = network !== (pool.networkId ?? '') || (network ? addressPool : '') !== (pool.addressPoolId ?? '');
  const pickNetwork = (e: Event) => {
    const id = (e.target as HTMLSelectElement).value;
    setNetwork(id);
    setSaved(false);
    setAddressPool(addressPools.find((a) => a.networkId === id)?.id ?? '');
  };
  const pickPool = (e: Event) => {
    setAddressPool((e.target as HTMLSelectElement).value);
    setSaved(false);
  };
  return (
    <form class="form-grid" onSubmit={submit.run} aria-label={t.poolNetwork.title} data-testid="pool-network-form">
      <label class="field">
        <span>{t.poolNetwork.network}</span>
        <select name="network" value={network} onChange={pickNetwork}>
          <option value="">{t.poolNetwork.noNetwork}</option>
          {networks.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t.poolNetwork.addressPool}</span>
        <select name="addressPool" value={network ? addressPool : ''} disabled={!network} onChange={pickPool}>
          <option value="">{t.poolNetwork.noAddressPool}</option>
          {choices.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({t.addressPools.usageDetail(a.allocated, a.size)})
            </option>
          ))}
        </select>
      </label>
      <p class="muted small span-2">{network ? (addressPool ? t.poolNetwork.hintPool : t.poolNetwork.hintNoPool) : t.poolNetwork.hintNone}</p>
      <div class="span-2">
        <ErrorNote message={submit.error} />
        {saved && !changed && (
          <p class="note note-info" role="status">
            {t.poolNetwork.saved}
          </p>
        )}
      </div>
      <div class="form-actions span-2">
        <button type="submit" class="button button-primary button-small" disabled={submit.busy || !changed}>
          {submit.busy ? t.common.saving : t.common.save}
        </button>
      </div>
    </form>
  );
}
