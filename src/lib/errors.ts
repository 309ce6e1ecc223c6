/**
 * Errors the application raises on purpose: one shape, `new AppError(code, detail, errors?)`,
 * with the code from the catalogue in shared/problem-codes.ts (which gives the HTTP status).
 * The API maps them to RFC 9457 problem+json in one place.
 */
import { statusOf, type ProblemCode } from '../shared/problem-codes.js';

/** One invalid field of a request. */
export interface FieldError {
  /** Dotted path of the field, e.g. "disk.sizeGiB". */
  field: string;
  message: string;
}

/** An error meant for the user: a stable code (which fixes the status) and a sentence they can act on. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.status = statusOf(code);
  }
}

/** The kinds of things that can be missing; each has its `<kind>_not_found` code. */
export type NotFoundKind = 'instance' | 'image' | 'media' | 'host' | 'compute_pool' | 'storage_pool' | 'operation' | 'api_token' | 'network' | 'address_pool' | 'nic' | 'group' | 'role' | 'user' | 'session';

/** 404 `<kind>_not_found` naming what was asked for. */
export function notFound(kind: NotFoundKind, key: string): AppError {
  return new AppError(`${kind}_not_found`, `No ${kind.replace(/_/g, ' ')} with id or name '${key}' exists.`);
}

/** One host the scheduler refused, with every reason. */
export interface HostRefusal {
  host: string;
  reasons: string[];
}

/**
 * No host can take an instance; `hosts` says why, host by host (also in the problem's `hosts`
 * field): 507 no_host_available when the scheduler looked for one, 409 migration_target_unfit
 * when a migration named its target.
 */
export class NoHostFitsError extends AppError {
  constructor(
    message: string,
    readonly hosts: HostRefusal[],
    code: 'no_host_available' | 'migration_target_unfit' = 'no_host_available',
  ) {
    super(code, message);
  }
}

/** 429 with the number of seconds to wait. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}
