/** Instance power actions and deletion, shown in the activity panel with their progress. */
import type { Instance } from '../shared/api-types.js';
import { canDo, type InstanceState } from '../shared/instance-states.js';
import type { Operation } from '../shared/api-types.js';
import { api } from './api.js';
import { addTask, errorText, followOperation } from './store.js';

/** Actions the UI offers on an instance (allowed states come from the shared table the server enforces). */
export type InstanceAction = 'start' | 'start-from-iso' | 'stop' | 'force-stop' | 'reboot' | 'reset' | 'delete';

/** Labels of the actions, as shown on buttons. */
export const actionLabels: Record<InstanceAction, string> = {
  start: 'Start',
  'start-from-iso': 'Start from ISO',
  stop: 'Stop',
  'force-stop': 'Force stop',
  reboot: 'Reboot',
  reset: 'Force reboot',
  delete: 'Delete',
};

/** The actions that make sense in a state, in button order. */
export function actionsFor(state: InstanceState): InstanceAction[] {
  return (Object.keys(actionLabels) as InstanceAction[]).filter((a) => canDo(a, state));
}

const verbs: Record<InstanceAction, string> = {
  start: 'Starting',
  'start-from-iso': 'Starting from ISO',
  stop: 'Stopping',
  'force-stop': 'Force-stopping',
  reboot: 'Rebooting',
  reset: 'Resetting',
  delete: 'Deleting',
};

/**
 * Sends an action. Resolves once the API accepted it, with `done` settling when the work has
 * finished (long actions are followed as operations in the activity panel); rejects with the
 * API's sentence when the request itself is refused.
 */
export async function startAction(instance: Pick<Instance, 'id' | 'name'>, action: InstanceAction, mediaId?: string): Promise<{ done: Promise<void> }> {
  const label = `${verbs[action]} ${instance.name}`;
  const update = addTask(label);
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
export async function changeMedia(instance: Pick<Instance, 'id' | 'name'>, mediaId: string | null, mediaName = 'ISO'): Promise<Instance> {
  const update = addTask(mediaId ? `Inserting ${mediaName} into ${instance.name}` : `Ejecting the ISO of ${instance.name}`);
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
