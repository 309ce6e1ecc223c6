/**
 * Instance power actions and deletion, shown in the activity panel with their progress. One set
 * of names for every place that offers them (the page header, the list and the console bar),
 * from the catalogue; which actions a state allows comes from the table the server enforces.
 */
import type { Instance, Operation } from '../shared/api-types.js';
import { canDo, type InstanceState } from '../shared/instance-states.js';
import { api } from './api.js';
import { t } from './i18n/index.js';
import { addTask, errorText, followOperation } from './store.js';

/** Actions the UI offers on an instance, in button order. */
export const INSTANCE_ACTIONS = ['start', 'start-from-iso', 'resume', 'stop', 'reboot', 'pause', 'force-stop', 'reset', 'delete'] as const;

/** One of {@link INSTANCE_ACTIONS}. */
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

/** Actions that cannot be taken back and ask first. */
export const CONFIRMED_ACTIONS: readonly InstanceAction[] = ['force-stop', 'reset', 'delete'];

/** The actions that make sense in a state, in button order. */
export function actionsFor(state: InstanceState): InstanceAction[] {
  return INSTANCE_ACTIONS.filter((a) => canDo(a, state));
}

/**
 * Sends an action. Resolves once the API accepted it, with `done` settling when the work has
 * finished (long actions are followed as operations in the activity panel); rejects with the
 * API's sentence when the request itself is refused.
 */
export async function startAction(instance: Pick<Instance, 'id' | 'name'>, action: InstanceAction, mediaId?: string): Promise<{ done: Promise<void> }> {
  const update = addTask(t.actions.tasks[action](instance.name));
  let operation: Operation | undefined;
  try {
    if (action === 'delete') operation = (await api.instances.delete(instance.id)).operation;
    else if (action === 'start-from-iso') operation = (await api.instances.startFromIso(instance.id, mediaId ?? '')).operation;
    else operation = (await api.instances.act(instance.id, action)).operation;
  } catch (err) {
    update({ state: 'failed', error: errorText(err) });
    throw err;
  }
  if (!operation) {
    update({ state: 'succeeded', progress: 100 });
    return { done: Promise.resolve() };
  }
  const done = followOperation(update, operation).then(() => undefined);
  done.catch(() => undefined); // the failure is in the activity panel
  return { done };
}

/** Sends an action and waits for it to finish; failures appear in the activity panel. */
export async function runAction(instance: Pick<Instance, 'id' | 'name'>, action: InstanceAction, mediaId?: string): Promise<void> {
  const { done } = await startAction(instance, action, mediaId);
  await done;
}

/**
 * Inserts an ISO into the instance's CD-ROM drive (`mediaId`) or ejects it (null), shown in the
 * activity panel; resolves with the changed instance, rejects with the API's sentence.
 */
export async function changeMedia(instance: Pick<Instance, 'id' | 'name'>, mediaId: string | null, mediaName = t.actions.iso): Promise<Instance> {
  const update = addTask(mediaId ? t.actions.insertTask(mediaName, instance.name) : t.actions.ejectTask(instance.name));
  try {
    const changed = await (mediaId ? api.instances.insertMedia(instance.id, mediaId) : api.instances.ejectMedia(instance.id));
    update({ state: 'succeeded', progress: 100 });
    return changed;
  } catch (err) {
    update({ state: 'failed', error: errorText(err) });
    throw err;
  }
}

/** States in which the CD-ROM drive can be changed. */
export const mediaChangeable = (state: InstanceState): boolean => canDo('change-media', state);
