/**
 * Compile-time ties between the response schemas (shared/responses.ts) and what services hand
 * the routes directly, without a presenter (tokens, sessions, the new admin): a field added on
 * one side only fails `tsc`. The presenters' types are tied in shared/responses.ts.
 */
import type { z } from 'zod';
import type { AuthService } from '../services/auth.js';
import type { SetupService } from '../services/setup.js';
import type { apiTokenCreatedSchema, apiTokenSchema, Same, sessionSchema, userAccountSchema } from '../shared/responses.js';

type Out<S extends z.ZodType> = z.output<S>;

/** Each entry fails to compile when its two sides differ. */
export const RESPONSE_TIES = {
  tokens: true satisfies Same<Out<typeof apiTokenSchema>, ReturnType<AuthService['listApiTokens']>[number]>,
  tokenCreated: true satisfies Same<Out<typeof apiTokenCreatedSchema>, ReturnType<AuthService['createApiToken']>>,
  session: true satisfies Same<Required<Omit<Out<typeof sessionSchema>, 'permissions'>>, NonNullable<ReturnType<AuthService['resolveSession']>>>,
  setup: true satisfies Same<Out<typeof userAccountSchema>, Awaited<ReturnType<SetupService['run']>>>,
} as const;
