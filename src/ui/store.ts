/**
 * Small observable stores shared across pages: the session, and the activity list of long
 * actions (operations and uploads) with their progress and outcome.
 */
import { Store } from './observable.js';
import type { Operation, SessionInfo } from '../shared/api-types.js';
import { api, ApiError, setCsrfToken } from './api.js';
import { translateProblem } from './i18n/index.js';

export { Store, useStore } from './observable.js';

/** The logged-in session, or null. */
export const session = new Store<SessionInfo | null>(null);

/** Logs in: opens a session, keeps its CSRF token for later requests and sets the session store. */
export async function logIn(credentials: { username: string; password: string }): Promise<void> {
  const s = await api.session.create(credentials);
  setCsrfToken(s.csrfToken);
  session.set(s);
}

/** One long action shown in the activity panel. */
export interface Task {
  id: string;
  label: string;
  state: 'running' | 'succeeded' | 'failed';
  /** 0..100, or undefined when unknown. */
  progress?: number;
  message: string;
  error?: string;
}

/** Long actions, newest first. */
export const tasks = new Store<Task[]>([]);
/** Bumped whenever a task finishes, so lists reload. */
export const changes = new Store(0);

let nextTask = 1;

/** Adds a task and returns a function to update it. */
export function addTask(label: string): (patch: Partial<Task>) => void {
  const id = `t${nextTask++}`;
  const task: Task = { id, label, state: 'running', message: '' };
  tasks.set([task, ...tasks.get()].slice(0, 20));
  return (patch) => {
    tasks.set(tasks.get().map((t) => (t.id === id ? { ...t, ...patch } : t)));
    if (patch.state && patch.state !== 'running') {
      changes.set(changes.get() + 1);
      if (patch.state === 'succeeded') setTimeout(() => dismissTask(id), 6000);
    }
  };
}

/** Removes a task from the panel. */
export function dismissTask(id: string): void {
  tasks.set(tasks.get().filter((t) => t.id !== id));
}

/** Tracks an operation in the activity panel until it finishes; rethrows its failure. */
export function trackOperation(label: string, op: Operation): Promise<Operation> {
  return followOperation(addTask(label), op);
}

/** Follows an operation with an existing task's updater. */
export async function followOperation(update: (patch: Partial<Task>) => void, op: Operation): Promise<Operation> {
  try {
    const done = await api.operations.wait(op, (o) => update({ progress: o.progress, message: o.message }));
    update({ state: 'succeeded', progress: 100 });
    return done;
  } catch (err) {
    update({ state: 'failed', error: errorText(err) });
    throw err;
  }
}

/** The sentence to show for any error. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return translateProblem(err.code, err.message);
  if (err instanceof Error) return err.message;
  return String(err);
}
