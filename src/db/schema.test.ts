import assert from 'node:assert/strict';
import { test } from 'node:test';
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as schema from './schema.js';

test('no two fields of a table share a column (updatedAt once overwrote created_at)', () => {
  const tables = Object.values(schema).filter((v) => is(v, SQLiteTable));
  assert.ok(tables.length >= 8, `found ${tables.length} tables`);
  for (const table of tables) {
    const { name, columns } = getTableConfig(table);
    const names = columns.map((c) => c.name);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], `table ${name}`);
  }
});
