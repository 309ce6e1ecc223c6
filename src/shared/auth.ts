/** Accounts, sessions and API tokens: request schemas (the UI validates its forms with them) and response shapes. */
import * as z from 'zod';
import { parseCidr } from './ipv4.js';
import type { EffectivePermissions } from './groups.js';

/** Password rule for every account: at least 8 characters with a digit, a lower- and an upper-case letter. */
export const passwordSchema = z
  .string()
  .min(8, 'The password must have at least 8 characters.')
  .max(200, 'The password must have at most 200 characters.')
  .regex(/[0-9]/, 'The password must contain a digit.')
  .regex(/[a-z]/, 'The password must contain a lower-case letter.')
  .regex(/[A-Z]/, 'The password must contain an upper-case letter.');

/** Login names: letters, digits, dot, dash, underscore. */
export const usernameSchema = z
  .string()
  .min(1, 'The username must not be empty.')
  .max(64, 'The username must have at most 64 characters.')
  .regex(/^[A-Za-z0-9._-]+$/, 'The username may contain only letters, digits, ".", "_" and "-".');

/**
 * First-run admin creation. `setupCode` is the one-time code onebox printed at its first start;
 * optional here so that a missing code gets the same 403 `setup_code_invalid` as a wrong one.
 */
export const setupSchema = z
  .object({
    username: usernameSchema,
    password: passwordSchema,
    setupCode: z.string().max(64, 'The setup code has at most 64 characters.').optional(),
    /**
     * A private NAT network for guests (its own subnet, DHCP, masquerade), made the default
     * pool's network with an address pool: on unless `create: false`. The subnet is chosen to
     * collide with no route of the host unless given.
     */
    network: z
      .object({
        create: z.boolean(),
        subnet: z
          .string()
          .refine((s) => parseCidr(s) !== undefined && parseCidr(s)?.prefix === 24, 'The subnet of the first network must be a /24 like 10.42.0.0/24.')
          .optional(),
      })
      .strict()
      .default({ create: true }),
  })
  .strict();

/** Login. */
export const loginSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict();

/** New API token. */
export const createTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** A narrower role the token acts with (never wider than yours); default: your own rights. */
    role: z.string().min(1).max(64).optional(),
    /** The token is refused after this many days; never expires when omitted. */
    expiresInDays: z.number().int().min(1, 'A token lasts at least 1 day.').max(3650, 'A token lasts at most 3650 days.').optional(),
  })
  .strict();

/** A logged-in user. */
export interface User {
  id: string;
  username: string;
  role: 'admin' | 'user';
  createdAt: string;
  displayName?: string;
  email?: string;
  disabled?: boolean;
}

/** GET /session and POST /sessions. */
export interface SessionInfo {
  user: User;
  csrfToken: string;
  expiresAt?: string;
  /** What the user may do, per group: the UI hides what the API would refuse. */
  permissions?: EffectivePermissions;
}

/** An API token as listed (never with its secret). */
export interface ApiTokenInfo {
  id: string;
  name: string;
  role: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** POST /tokens: the new token, its secret shown this once. */
export interface ApiTokenCreated extends Omit<ApiTokenInfo, 'lastUsedAt'> {
  token: string;
}
