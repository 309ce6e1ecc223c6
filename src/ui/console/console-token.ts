/** Fetches a fresh single-use console token (one per connect; they last 30 s). */
import type { ConsoleKind, ConsoleToken } from '../../shared/api-types.js';
import { api } from '../api.js';

/** POST instances/:id/console-tokens. Throws ApiError (409 instance_not_running when the instance is off). */
export function consoleToken(instanceId: string, kind: ConsoleKind): Promise<ConsoleToken> {
  return api.instances.consoleToken(instanceId, kind);
}
