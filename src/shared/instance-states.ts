/**
 * Instance states and which action is allowed in which state: defined once, used by the
 * database enum, the services (which enforce it) and the UI (which only offers what the
 * server would accept).
 */

/** Every state an instance can be in, as users see it. */
export const INSTANCE_STATES = ['creating', 'stopped', 'running', 'paused', 'migrating', 'lost', 'error', 'deleting'] as const;

/** States shown to users. */
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** States that belong to an operation in progress: only that operation changes them. */
export const TRANSITIONAL_STATES: readonly InstanceState[] = ['creating', 'deleting', 'migrating'];

/** Everything a user can ask an instance to do. */
export type InstanceAction =
  | 'start'
  | 'start-from-iso'
  | 'stop'
  | 'force-stop'
  | 'reboot'
  | 'reset'
  | 'pause'
  | 'resume'
  | 'delete'
  | 'change-media'
  | 'modify'
  | 'change-disks';

/** The power actions sent as `POST /instances/:id/actions/<action>`. */
export type PowerAction = Exclude<InstanceAction, 'delete' | 'change-media' | 'start-from-iso' | 'modify' | 'change-disks'>;

/** Which states allow which action. `error` allows start only when the error is not sticky (see `stickyError`). */
const allowedFrom: Record<InstanceAction, readonly InstanceState[]> = {
  start: ['stopped', 'error'],
  'start-from-iso': ['stopped', 'error'],
  stop: ['running'],
  'force-stop': ['running', 'paused', 'error'],
  reboot: ['running'],
  reset: ['running'],
  pause: ['running'],
  resume: ['paused'],
  // A running guest is powered off first; the UI says so in its confirmation.
  delete: ['stopped', 'running', 'paused', 'error', 'lost'],
  'change-media': ['stopped', 'running', 'paused', 'error'],
  // Running and paused: cores and memory live up to the maximums (services check those).
  modify: ['stopped', 'running', 'paused', 'error'],
  // Running and paused: hot-plug, hot-unplug and online resize.
  'change-disks': ['stopped', 'running', 'paused'],
};

/** True when `action` is allowed in `state`. */
export function canDo(action: InstanceAction, state: InstanceState): boolean {
  return allowedFrom[action].includes(state);
}

/** The states in which `action` is allowed (for error messages). */
export function statesAllowing(action: InstanceAction): readonly InstanceState[] {
  return allowedFrom[action];
}

/** Guest device name of the i-th data disk (0-based): vdb, vdc, ... (vda is the system disk). */
export function dataDiskTarget(index: number): string {
  return `vd${String.fromCharCode('b'.charCodeAt(0) + index)}`;
}
