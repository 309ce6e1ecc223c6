/** @jsxImportSource hono/jsx/dom */
/**
 * The first NIC of a new instance: its network (the compute pool's by default, another, or
 * none), an optional fixed address from the pool's address pool and an optional MAC. The fields
 * become `nics: [{ network, address, mac }]` (`[]` for no network; left out for the default).
 */
import type { AddressPool, Network, Pool } from '../../shared/api-types.js';
import type { Form } from '../form.js';
import { t } from '../i18n/index.js';
import { Field } from './field.js';

/** The form fields the NIC part owns. */
export interface NicFieldValues extends Record<string, string | boolean> {
  /** '' = the pool's network, NO_NETWORK = none, else a network id. */
  nicNetwork: string;
  nicAddress: string;
  nicMac: string;
}

/** The choice "no network": `nics: []`. */
export const NO_NETWORK = '-';

/** Start values of the NIC fields. */
export const nicDefaults: NicFieldValues = { nicNetwork: '', nicAddress: '', nicMac: '' };

/** The request's `nics` from the fields (undefined: the pool's default NIC). */
export function nicsBody(f: NicFieldValues): { network?: string; address?: string; mac?: string }[] | undefined {
  if (f.nicNetwork === NO_NETWORK) return [];
  const address = f.nicAddress.trim();
  const mac = f.nicMac.trim();
  if (!f.nicNetwork && !address && !mac) return undefined;
  return [{ ...(f.nicNetwork ? { network: f.nicNetwork } : {}), ...(address ? { address } : {}), ...(mac ? { mac } : {}) }];
}

/** API refusals that are about one NIC field. */
export const NIC_CODE_FIELDS = {
  address_taken: 'nics.0.address',
  address_outside_ranges: 'nics.0.address',
  address_needs_pool: 'nics.0.address',
  address_pool_exhausted: 'nics.0.address',
  mac_taken: 'nics.0.mac',
  network_not_found: 'nics.0.network',
};

/** The address pool a NIC on `networkId` takes its address from in `pool`, if any. */
function addressPoolFor(pool: Pool | undefined, networkId: string | null, addressPools: AddressPool[]): AddressPool | undefined {
  const ap = addressPools.find((a) => a.id === pool?.addressPoolId);
  return ap && ap.networkId === networkId ? ap : undefined;
}

/** The fields; `pool` is the compute pool chosen in the dialog. */
export function NicFields<T extends NicFieldValues>(props: { form: Form<T>; pool?: Pool; networks: Network[]; addressPools: AddressPool[]; errors: Record<string, string> }) {
  const { form, pool, networks, errors } = props;
  const f = form.values;
  const poolNet = networks.find((n) => n.id === pool?.networkId);
  const none = f.nicNetwork === NO_NETWORK;
  const networkId = none ? null : f.nicNetwork || pool?.networkId || null;
  const ap = addressPoolFor(pool, networkId, props.addressPools);
  const addressHint = none ? undefined : ap ? t.nics.addressFrom(ap.name) : t.nics.noAddressPool;
  return (
    <>
      <Field label={t.nics.network} error={errors['nics.0.network'] ?? errors.nics}>
        <select name="nicNetwork" value={f.nicNetwork} onChange={form.text('nicNetwork')}>
          <option value="">{poolNet ? t.nics.poolNetwork(poolNet.name) : t.nics.poolNoNetwork}</option>
          {networks.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name}
            </option>
          ))}
          <option value={NO_NETWORK}>{t.nics.noNetwork}</option>
        </select>
      </Field>
      <Field label={t.nics.fixedAddress} error={errors['nics.0.address']} hint={addressHint}>
        <input name="nicAddress" value={f.nicAddress} placeholder={t.nics.addressPlaceholder} disabled={none || !ap} onInput={form.text('nicAddress')} />
      </Field>
      <Field label={t.nics.mac} error={errors['nics.0.mac']} hint={t.nics.macHint}>
        <input name="nicMac" value={f.nicMac} placeholder={t.nics.macPlaceholder} disabled={none} onInput={form.text('nicMac')} />
      </Field>
    </>
  );
}
