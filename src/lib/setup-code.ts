/**
 * The one-time setup code: made at the first start, printed and written to
 * `<data-dir>/setup-code` (0600), required to create the initial admin, deleted once the admin
 * exists. Whoever can read the server's console or its data directory may set it up; someone
 * who merely reaches the port (or a web page, by DNS rebinding) cannot.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

// Crockford's base32: no I, L, O or U, so the code reads aloud and types without mix-ups.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 4;
const GROUP_LENGTH = 5; // 20 characters: 100 bits

/** Upper case without spaces or dashes: how codes are compared. */
const normalise = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();
const digest = (code: string) => createHash('sha256').update(normalise(code)).digest();

/** The setup code file of one data directory. */
export class SetupCode {
  constructor(readonly file: string) {}

  /** The code on disk (reused across restarts until setup is done), or a new one written 0600. */
  ensure(): string {
    const existing = this.read();
    if (existing && normalise(existing).length === GROUPS * GROUP_LENGTH) return existing;
    const groups = Array.from({ length: GROUPS }, () => Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
    const code = groups.join('-');
    writeFileSync(this.file, code + '\n', { mode: 0o600 });
    return code;
  }

  /** Whether `candidate` is the current code, compared in constant time; false when there is none. */
  matches(candidate: string | undefined): boolean {
    const current = this.read();
    if (!current || !candidate) return false;
    return timingSafeEqual(digest(candidate), digest(current));
  }

  /** Deletes the code (setup is done). */
  remove(): void {
    rmSync(this.file, { force: true });
  }

  private read(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }
}
