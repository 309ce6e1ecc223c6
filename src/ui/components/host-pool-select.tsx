/** @jsxImportSource hono/jsx/dom */
/** Moves a host to another compute pool (or out of every pool) with a select. */
import { useState } from 'hono/jsx/dom';
import type { Host, Pool } from '../../shared/api-types.js';
import { updateHost } from '../host-actions.js';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';

/** The select; a refusal (e.g. the host still has instances) goes to `onError` and the select snaps back. */
export function HostPoolSelect({ host, pools, onError }: { host: Host; pools: Pool[]; onError: (message: string | undefined) => void }) {
  const [busy, setBusy] = useState(false);
  const move = async (e: Event) => {
    const select = e.target as HTMLSelectElement;
    const poolId = select.value || null;
    onError(undefined);
    setBusy(true);
    try {
      await updateHost(host.id, { poolId });
    } catch (err) {
      select.value = host.poolId ?? '';
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <select name="poolId" aria-label={t.hosts.poolOf(host.name)} value={host.poolId ?? ''} disabled={busy} onChange={move}>
      <option value="">{t.hosts.noPool}</option>
      {pools.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
}
