/** Changes to a host (its pool, whether the scheduler may use it); lists reload afterwards. */
import type { Host, HostChange } from '../shared/api-types.js';
import { api } from './api.js';
import { changes } from './store.js';

/** PATCHes a host; rejects with the API's sentence (e.g. host_has_instances). */
export async function updateHost(id: string, change: HostChange): Promise<Host> {
  const host = await api.hosts.update(id, change);
  changes.set(changes.get() + 1);
  return host;
}
