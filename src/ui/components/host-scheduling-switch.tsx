/** @jsxImportSource hono/jsx/dom */
/** Whether the scheduler may place new instances on a host: a switch. */
import { useState } from 'hono/jsx/dom';
import type { Host } from '../../shared/api-types.js';
import { updateHost } from '../host-actions.js';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';

/**
 * The switch with its state in words ("Scheduling on/off" where nothing else says what it is
 * about, `short`: "Enabled/Disabled"); a refusal goes to `onError` and the switch snaps back.
 */
export function HostSchedulingSwitch({ host, onError, short }: { host: Host; onError: (message: string | undefined) => void; short?: boolean }) {
  const [busy, setBusy] = useState(false);
  const toggle = async (e: Event) => {
    const box = e.target as HTMLInputElement;
    onError(undefined);
    setBusy(true);
    try {
      await updateHost(host.id, { enabled: box.checked });
    } catch (err) {
      box.checked = host.enabled;
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <label class="switch" title={t.hosts.schedulingHint}>
      <input type="checkbox" role="switch" name="enabled" aria-label={t.hosts.scheduleOn(host.name)} checked={host.enabled} disabled={busy} onChange={toggle} />
      <span class={host.enabled ? '' : 'muted'}>{short ? (host.enabled ? t.hosts.enabled : t.hosts.disabled) : host.enabled ? t.hosts.schedulingOn : t.hosts.schedulingOff}</span>
    </label>
  );
}
