/**
 * applyMigrations: applies pending migrations once, is idempotent, picks up new ones, and
 * leaves exactly the bookkeeping drizzle's own folder migrate() leaves.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import {
  applyMigrations,
  embeddedMigrations,
  migrationHash,
  migrationsFromJournal,
  readMigrationsFolder,
  type Migration,
  type MigrationJournal,
} from './migrate.js';

const M1: Migration = {
  tag: '0000_first',
  when: 1_700_000_000_000,
  sql: [
    'CREATE TABLE `pools` (\n\t`id` text PRIMARY KEY NOT NULL,\n\t`name` text NOT NULL\n);\n',
    '\nCREATE UNIQUE INDEX `pools_name_unique` ON `pools` (`name`);',
  ].join('--> statement-breakpoint'),
};
const M2: Migration = {
  tag: '0001_second',
  when: 1_700_000_100_000,
  sql: [
    'CREATE TABLE `hosts` (\n\t`id` text PRIMARY KEY NOT NULL,\n\t`pool_id` text NOT NULL REFERENCES `pools`(`id`)\n);\n',
    '\nALTER TABLE `pools` ADD `note` text;',
  ].join('--> statement-breakpoint'),
};

interface BookRow {
  id: unknown;
  hash: string;
  created_at: number;
}

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'onebox-migrate-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma('foreign_keys = ON');
  return db;
}

function bookkeeping(db: Database.Database): BookRow[] {
  return db.prepare<[], BookRow>('SELECT id, hash, created_at FROM __drizzle_migrations ORDER BY created_at').all();
}

/** sqlite_master with whitespace folded (drizzle indents its CREATE TABLE with tabs). */
function schema(db: Database.Database): string[] {
  return db
    .prepare<[], { type: string; name: string; sql: string }>(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((row) => `${row.type} ${row.name}: ${row.sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')')}`);
}

function writeFolder(name: string, migrations: Migration[]): string {
  const folder = join(dir, name);
  mkdirSync(join(folder, 'meta'), { recursive: true });
  const journal: MigrationJournal & { version: string; dialect: string } = {
    version: '7',
    dialect: 'sqlite',
    entries: migrations.map((m, idx) => ({ idx, tag: m.tag, when: m.when, breakpoints: true })),
  };
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal, null, 2));
  for (const m of migrations) writeFileSync(join(folder, `${m.tag}.sql`), m.sql);
  return folder;
}

describe('applyMigrations', () => {
  test('applies once, is idempotent, then applies a new migration', () => {
    const db = open('ours.db');
    assert.deepEqual(applyMigrations(db, [M1]).applied, ['0000_first']);
    db.prepare('INSERT INTO pools (id, name) VALUES (?, ?)').run('p1', 'default');

    assert.deepEqual(applyMigrations(db, [M1]).applied, []);
    assert.equal(bookkeeping(db).length, 1);

    assert.deepEqual(applyMigrations(db, [M1, M2]).applied, ['0001_second']);
    assert.deepEqual(applyMigrations(db, [M1, M2]).applied, []);
    const rows = bookkeeping(db);
    assert.deepEqual(
      rows.map((r) => [r.hash, r.created_at]),
      [
        [migrationHash(M1.sql), M1.when],
        [migrationHash(M2.sql), M2.when],
      ],
    );
    assert.deepEqual(db.prepare('SELECT id, name, note FROM pools').all(), [{ id: 'p1', name: 'default', note: null }]);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are restored');
    db.close();
  });

  test('a failing migration rolls back and is retried next time', () => {
    const db = open('failing.db');
    const bad: Migration = { tag: '0001_bad', when: M2.when, sql: 'CREATE TABLE t1 (a);--> statement-breakpoint\nNOT SQL;' };
    applyMigrations(db, [M1]);
    assert.throws(() => applyMigrations(db, [M1, bad]), /syntax error/);
    assert.equal(bookkeeping(db).length, 1);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't1'").pluck().get(), 0);
    assert.deepEqual(applyMigrations(db, [M1, M2]).applied, ['0001_second']);
    db.close();
  });

  test('leaves the same bookkeeping and schema as drizzle migrate()', () => {
    const folder = writeFolder('both', [M1, M2]);
    const theirs = open('theirs.db');
    migrate(drizzle(theirs), { migrationsFolder: folder });
    const ours = open('ours-compat.db');
    applyMigrations(ours, readMigrationsFolder(folder));

    assert.deepEqual(bookkeeping(ours), bookkeeping(theirs));
    assert.deepEqual(schema(ours), schema(theirs));
    theirs.close();
    ours.close();
  });

  test('continues a database drizzle migrate() started, and vice versa', () => {
    const first = writeFolder('first', [M1]);
    const both = writeFolder('second', [M1, M2]);

    const a = open('drizzle-then-ours.db');
    migrate(drizzle(a), { migrationsFolder: first });
    assert.deepEqual(applyMigrations(a, readMigrationsFolder(both)).applied, ['0001_second']);

    const b = open('ours-then-drizzle.db');
    applyMigrations(b, readMigrationsFolder(first));
    migrate(drizzle(b), { migrationsFolder: both });

    assert.deepEqual(bookkeeping(a), bookkeeping(b));
    assert.equal(bookkeeping(a).length, 2);
    a.close();
    b.close();
  });
});

describe('migration sources', () => {
  test('migrationsFromJournal keeps journal order', () => {
    const journal: MigrationJournal = {
      entries: [
        { idx: 0, tag: 'a', when: 1, breakpoints: true },
        { idx: 1, tag: 'b', when: 2, breakpoints: true },
      ],
    };
    assert.deepEqual(
      migrationsFromJournal(journal, (tag) => `-- ${tag}`),
      [
        { tag: 'a', when: 1, sql: '-- a' },
        { tag: 'b', when: 2, sql: '-- b' },
      ],
    );
  });

  test('the embedded migrations apply to an empty database', () => {
    const db = open('embedded.db');
    const migrations = embeddedMigrations();
    assert.ok(migrations.length > 0, 'src/db/migrations has at least one migration');
    assert.equal(applyMigrations(db, migrations).applied.length, migrations.length);
    db.close();
  });
});
