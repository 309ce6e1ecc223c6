/** Opens the SQLite database (WAL, foreign keys) and applies the embedded migrations. */
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { betterSqlite3NativeOptions } from '../lib/native-addon.js';
import { applyMigrations, embeddedMigrations } from './migrate.js';
import * as schema from './schema.js';

/** The drizzle database handle used by services. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Opens (creating if needed) the database file, sets pragmas and migrates it. */
export function openDatabase(file: string, dataDir: string): Db {
  const sqlite = new Database(file, betterSqlite3NativeOptions(dataDir));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  applyMigrations(sqlite, embeddedMigrations());
  return drizzle(sqlite, { schema }) as Db;
}
