/** Recognising SQLite constraint failures by their code, never by message text. */

/** True when `err` is SQLite refusing a duplicate in a UNIQUE column or index. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}
