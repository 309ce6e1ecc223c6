/** Instances: CRUD, power actions and the serial console log. */
import { readFile } from 'node:fs/promises';
import { Hono, type Context } from 'hono';
import { AppError } from '../../lib/errors.js';
import type { Services } from '../../services/index.js';
import type { PowerAction } from '../../services/instance-power.js';
import type { Instance } from '../../services/instance-store.js';
import type { Operation } from '../../services/operations.js';
import { consoleTokenSchema, createInstanceSchema, insertMediaSchema, startFromIsoSchema } from '../../shared/schemas.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';

/** The instance as the API shows it: no VNC password (that has its own endpoint), no cloud-init password hash or user data. */
export function instanceView(row: Instance) {
  const { vncPassword: _secret, cloudInit, ...rest } = row;
  return {
    ...rest,
    cloudInit: cloudInit && { passwordSet: cloudInit.passwordHash !== undefined, sshAuthorizedKeys: cloudInit.sshAuthorizedKeys ?? [], userDataSet: cloudInit.userData !== undefined },
  };
}

/** 202 Accepted with the operation's URL. */
export function accepted(c: Context, operation: Operation, extra: Record<string, unknown> = {}) {
  c.header('Location', `/api/v1/operations/${operation.id}`);
  return c.json({ ...extra, operation }, 202);
}

type ImmediateAction = Exclude<PowerAction, 'stop'>;
const immediate = new Set<string>(['start', 'force-stop', 'reboot', 'reset', 'pause', 'resume'] satisfies ImmediateAction[]);

/** /instances */
export function instanceRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.instances.list().map(instanceView) }))
    .post('/', async (c) => {
      const input = await jsonBody(c, createInstanceSchema, { 'cloudInit.password': 'password_too_weak' });
      const { instance, operation } = await s.instances.create(input, c.var.actor);
      return accepted(c, operation, { instance: instanceView(instance) });
    })
    .get('/:id', (c) => c.json(instanceView(s.instances.get(c.req.param('id')))))
    .delete('/:id', (c) => accepted(c, s.instances.delete(c.req.param('id'), c.var.actor)))
    .post('/:id/actions/stop', (c) => accepted(c, s.power.stop(c.req.param('id'), c.var.actor)))
    .post('/:id/actions/start-from-iso', async (c) => {
      const { mediaId } = await jsonBody(c, startFromIsoSchema);
      return accepted(c, s.power.startFromIso(c.req.param('id'), mediaId, c.var.actor));
    })
    .post('/:id/actions/insert-media', async (c) => {
      const { mediaId } = await jsonBody(c, insertMediaSchema);
      return c.json(instanceView(await s.power.insertMedia(c.req.param('id'), mediaId, c.var.actor)));
    })
    .post('/:id/actions/eject-media', async (c) => c.json(instanceView(await s.power.ejectMedia(c.req.param('id'), c.var.actor))))
    .post('/:id/actions/:action', async (c) => {
      const action = c.req.param('action');
      if (!immediate.has(action as ImmediateAction))
        throw new AppError(404, 'action_not_found', `There is no action '${action}'; known: start, start-from-iso, stop, force-stop, reboot, reset, pause, resume, insert-media, eject-media.`);
      return c.json(instanceView(await s.power.act(c.req.param('id'), action as ImmediateAction, c.var.actor)));
    })
    .post('/:id/console-tokens', async (c) => {
      const { kind } = await jsonBody(c, consoleTokenSchema);
      return c.json(s.consoles.issue(c.req.param('id'), kind, c.var.actor), 201);
    })
    .get('/:id/stats', async (c) => c.json(await s.stats.usage(c.req.param('id'))))
    .get('/:id/vnc', (c) => {
      const row = s.instances.get(c.req.param('id'));
      return c.json({ password: row.vncPassword });
    })
    .get('/:id/console-log', async (c) => {
      const row = s.instances.get(c.req.param('id'));
      const text = await readFile(s.instances.serialLogPath(row), 'utf8').catch(() => '');
      return c.text(text);
    });
}
