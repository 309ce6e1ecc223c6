/** User accounts, password changes and the security settings: request schemas (the UI validates its forms with them) and response shapes. */
import type { ApiTokenInfo } from './auth.js';
import * as z from 'zod';
import { passwordSchema, usernameSchema } from './auth.js';
import { pageQuerySchema } from './lists.js';

/** The global role: `admin` may do everything; `user` only what group memberships give. */
export const userRoleSchema = z.enum(['admin', 'user']);

const displayName = z.string().trim().max(100, 'The display name must have at most 100 characters.');
const email = z.union([z.literal(''), z.string().trim().max(254).email('The e-mail address is not valid.')]);

/** POST /users (admin). */
export const createUserSchema = z
  .object({ username: usernameSchema, password: passwordSchema, displayName: displayName.optional(), email: email.optional(), role: userRoleSchema })
  .strict();

/** PATCH /users/:id (admin). */
export const updateUserSchema = z
  .object({ displayName: displayName.optional(), email: email.optional(), role: userRoleSchema.optional(), disabled: z.boolean().optional() })
  .strict();

/** GET /users: paged, `q` narrows to usernames starting with it. */
export const userListQuerySchema = pageQuerySchema.extend({ q: z.string().max(64).optional() });

/** POST /session/password. */
export const changePasswordSchema = z.object({ currentPassword: z.string().min(1).max(200), newPassword: passwordSchema }).strict();

/** POST /users/:id/actions/reset-password (admin). */
export const resetPasswordSchema = z.object({ newPassword: passwordSchema }).strict();

/** Session lifetimes and audit retention (GET /settings/security; PATCH by an admin). */
export const securitySettingsSchema = z
  .object({
    /** A session unused this long ends. */
    sessionIdleMinutes: z.number().int().min(1).max(7 * 24 * 60),
    /** A session ends this long after login, used or not. */
    sessionLifetimeHours: z.number().int().min(1).max(90 * 24),
    /** Audit entries older than this are deleted. */
    auditRetentionDays: z.number().int().min(1).max(10 * 365),
  })
  .strict();

/** The security settings. */
export type SecuritySettings = z.infer<typeof securitySettingsSchema>;

/** PATCH /settings/security. */
export const updateSecuritySettingsSchema = securitySettingsSchema.partial();

/** Defaults: 30 minutes idle, 12 hours in all, a year of audit. */
export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = { sessionIdleMinutes: 30, sessionLifetimeHours: 12, auditRetentionDays: 365 };

/** A user as the API shows it (never the password hash). */
export interface UserAccount {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: 'admin' | 'user';
  disabled: boolean;
  createdAt: string;
}

/** One of your browser sessions (GET /session/sessions). */
export interface SessionSummary {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** One API token, without its secret (GET /tokens). */
export type ApiTokenSummary = ApiTokenInfo;
