/**
 * The catalogue of errors the application raises on purpose. Each carries an HTTP status and
 * a stable snake_case code; the API maps them to RFC 9457 problem+json in one place.
 */

/** One invalid field of a request. */
export interface FieldError {
  /** Dotted path of the field, e.g. "disk.sizeGiB". */
  field: string;
  message: string;
}

/** An error meant for the user: status, stable code and a sentence they can act on. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }
}

/** 400: the request is malformed or a value is out of range. */
export class ValidationError extends AppError {
  constructor(message: string, errors?: FieldError[], code = 'validation_failed') {
    super(400, code, message, errors);
  }
}

/** 401: no valid credentials were presented. */
export class UnauthorizedError extends AppError {
  constructor(message = 'Log in or present an API token to use this endpoint.', code = 'unauthenticated') {
    super(401, code, message);
  }
}

/** 403: authenticated, but not allowed. */
export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

/** 404: the named thing does not exist. Code is e.g. `instance_not_found`. */
export class NotFoundError extends AppError {
  constructor(kind: string, id: string) {
    super(404, `${kind}_not_found`, `No ${kind.replace(/_/g, ' ')} with id or name '${id}' exists.`);
  }
}

/** 409: the request conflicts with the current state (name taken, wrong power state, in use). */
export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** 429: too many attempts. */
export class RateLimitedError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', message);
  }
}

/** 503: a dependency (libvirt, qemu-img) is not reachable right now. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string) {
    super(503, code, message);
  }
}

/** 507: not enough room on the host or in the pool. */
export class InsufficientCapacityError extends AppError {
  constructor(code: string, message: string) {
    super(507, code, message);
  }
}
