/** Who performs a request: passed from the API into services for permissions and the audit log. */
import { DEFAULT_GROUP_ID } from '../shared/permissions.js';

/** The authenticated caller. */
export interface Actor {
  userId: string;
  username: string;
  role: 'admin' | 'user';
  /** Source address of the request, for the audit log. */
  ip: string;
  /** The narrower role of the API token the request came with, if it has one. */
  tokenRole?: string;
  /** The group new instances, images and ISOs go to (chosen and checked by the API); unset = the default group. */
  groupId?: string;
  /** The request's id, for the audit log. */
  requestId?: string;
  /** The browser session behind the request (none for API tokens). */
  sessionId?: string;
}

/** The ownership columns of a row the actor creates: its group and creator. */
export function ownedBy(actor: Actor): { groupId: string; createdBy: string } {
  return { groupId: actor.groupId ?? DEFAULT_GROUP_ID, createdBy: actor.userId };
}
