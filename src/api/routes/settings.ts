/** /settings/security: session lifetimes and audit retention (read by anyone logged in, changed by an admin). */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { updateSecuritySettingsSchema } from '../../shared/users.js';
import { requireAdmin } from '../auth.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';

/** /settings */
export function settingsRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/security', (c) => c.json(s.securitySettings.get()))
    .patch('/security', requireAdmin, async (c) => c.json(s.securitySettings.update(await jsonBody(c, updateSecuritySettingsSchema), c.var.actor)));
}
