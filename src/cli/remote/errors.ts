/** Errors and exit codes of the remote CLI commands (login, instances, …). */

/** Exit codes: documented in `onebox --help`. */
export const EXIT = { ok: 0, api: 1, usage: 2, connection: 3, notLoggedIn: 4, refused: 5 } as const;

/** A failure the CLI reports as one line and an exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = EXIT.api,
  ) {
    super(message);
  }
}

/** A wrong command line (exit code 2); the message says what is wrong, the usage follows. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, readonly usage = '') {
    super(message, 'usage', EXIT.usage);
  }
}
