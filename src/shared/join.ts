/** Join tokens and the join request: schemas shared by the API and `onebox join`. */
import * as z from 'zod';

/** POST /join-tokens body. */
export const createJoinTokenSchema = z.object({ expiresInMinutes: z.number().min(0.01).max(7 * 24 * 60).optional() }).strict();

/** POST /join body (sent by `onebox join`, guarded only by the token). */
export const joinRequestSchema = z
  .object({
    token: z.string().min(1).max(200),
    csr: z.string().min(1).max(16_384),
    advertise: z.string().url().refine((u) => u.startsWith('https://'), 'advertise must be an https:// URL'),
    facts: z
      .object({
        hostname: z.string().min(1).max(253),
        cpus: z.number().int().min(1),
        memoryMiB: z.number().int().min(1),
        accel: z.enum(['kvm', 'tcg']),
        accelReason: z.string().max(500).optional(),
        libvirtVersion: z.string().max(100).optional(),
        hypervisorVersion: z.string().max(100).optional(),
      })
      .strict(),
  })
  .strict();

/** The answer to a join: the host's certificate and the CA that signed it (PEM). */
export interface JoinAnswer {
  hostId: string;
  hostName: string;
  certPem: string;
  caPem: string;
}

/** A join token as listed (never its secret). */
export interface JoinTokenView {
  id: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedByHostId: string | null;
  state: 'valid' | 'used' | 'expired';
}

/** A new token: the secret shown once, the fingerprint to pin and the command to run on the new server. */
export interface NewJoinToken extends JoinTokenView {
  token: string;
  fingerprint: string;
  command: string;
}
