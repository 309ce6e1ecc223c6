/**
 * What the logged-in user may do, from the session's permissions: the UI hides the controls the
 * API would refuse (the API still decides). Without permission information (an older server)
 * everything shows.
 */
import type { Permission } from '../shared/permissions.js';
import { session } from './store.js';

/** Whether the user holds `perm` in `groupId` (or, without a group, in any of their groups). */
export function may(perm: Permission, groupId?: string): boolean {
  const p = session.get()?.permissions;
  if (!p) return true;
  if (p.everywhere?.includes(perm)) return true;
  if (groupId === undefined) return p.any.includes(perm);
  return p.groups.some((g) => g.id === groupId && g.permissions.includes(perm));
}
