/** /settings/security: session lifetimes and audit retention (read by anyone logged in, changed by an admin). */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { updateSecuritySettingsSchema } from '../../shared/users.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';
import { doc } from '../route-doc.js';
import { securitySettingsResponseSchema } from '../../shared/responses.js';

/** /settings */
export function settingsRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/security', doc({ summary: 'Session idle timeout and lifetime, audit retention', responses: { 200: securitySettingsResponseSchema } }), (c) => c.json(s.securitySettings.get()))
    .patch('/security', doc({ summary: 'Change session lifetimes or audit retention (admins)', body: updateSecuritySettingsSchema, responses: { 200: securitySettingsResponseSchema } }), async (c) => c.json(s.securitySettings.update(await jsonBody(c, updateSecuritySettingsSchema), c.var.actor)));
}
