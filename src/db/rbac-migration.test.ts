/** The groups migration: rows made before groups go to the default group, and the existing admins join it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { applyMigrations, embeddedMigrations } from './migrate.js';

test('existing images and ISOs go to the default group; existing admins become its admins', () => {
  const sqlite = new Database(':memory:');
  const all = embeddedMigrations();
  const at = all.findIndex((m) => m.tag.endsWith('_rbac'));
  assert.ok(at > 0, 'the rbac migration is in the journal');
  applyMigrations(sqlite, all.slice(0, at));
  sqlite.exec(`INSERT INTO users (id, username, password_hash, role) VALUES ('usr_a', 'admin', 'x', 'admin'), ('usr_u', 'someone', 'x', 'user')`);
  sqlite.exec(`INSERT INTO images (id, name, format, file_name, size_bytes, virtual_size_bytes, sha256) VALUES ('img_1', 'old', 'qcow2', 'img_1.qcow2', 1, 1, 'x')`);
  sqlite.exec(`INSERT INTO media (id, name, file_name, size_bytes, sha256) VALUES ('iso_1', 'old', 'iso_1.iso', 1, 'x')`);
  applyMigrations(sqlite, all);
  assert.deepEqual(sqlite.prepare(`SELECT id, name FROM groups`).all(), [{ id: 'grp_default', name: 'default' }]);
  assert.deepEqual(sqlite.prepare(`SELECT group_id, created_by FROM images UNION ALL SELECT group_id, created_by FROM media`).all(), [
    { group_id: 'grp_default', created_by: null },
    { group_id: 'grp_default', created_by: null },
  ]);
  assert.deepEqual(sqlite.prepare(`SELECT group_id, user_id, role FROM group_members`).all(), [{ group_id: 'grp_default', user_id: 'usr_a', role: 'admin' }]);
  sqlite.close();
});
