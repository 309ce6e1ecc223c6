/**
 * Build-time slot for the migration files. This dev version is empty, so migrate.ts reads
 * `src/db/migrations/` from disk. build.mjs replaces this module in the server bundle with
 * generated code that imports `migrations/meta/_journal.json` and every `<tag>.sql` (esbuild
 * text loader), so the executable carries its migrations. Keep the export name and type in
 * step with build.mjs.
 */
import type { MigrationFiles } from './migrate.js';

/** The journal and SQL texts embedded by the build; undefined when not bundled. */
export const bundledMigrations: MigrationFiles | undefined = undefined;
