/**
 * The guest agent's features: setting a guest user's password (request schema) and what the
 * guest reports about itself (response shape). The UI validates its dialog with the schema.
 */
import * as z from 'zod';
import { passwordSchema } from './auth.js';
import type { GuestAddresses } from './networks.js';

/** A Linux login name in the guest: lower-case letter or underscore first, then letters, digits, "_", "-"; 32 at most. */
export const guestUserSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'The guest user must be a Linux login name: a lower-case letter or "_" first, then lower-case letters, digits, "_" or "-", 32 characters at most.');

/**
 * POST /instances/:id/actions/set-guest-password. The password follows the account password
 * rule (it usually opens SSH and the console to the network), and has no control characters:
 * the guest's chpasswd reads it as one line.
 */
export const setGuestPasswordSchema = z
  .object({
    username: guestUserSchema.optional(),
    password: passwordSchema.regex(/^[^\x00-\x1f\x7f]*$/, 'The password must not contain control characters (line breaks, tabs).'),
  })
  .strict();

/** GET /instances/:id/guest-info: `agent: 'unavailable'` is a state (no agent in the guest, not started yet, or the instance not running), not an error. */
export interface GuestInfo {
  agent: 'available' | 'unavailable';
  /** Why the agent is unavailable, as a sentence; null when available. */
  reason: string | null;
  hostname: string | null;
  osName: string | null;
  osVersion: string | null;
  osPrettyName: string | null;
  kernelRelease: string | null;
  /** The guest's addresses (from its agent, else the DHCP leases); null when the instance is not running. */
  addresses: GuestAddresses | null;
}

/** The answer of set-guest-password: whose password changed (never the password). */
export interface GuestPasswordSet {
  username: string;
}
