/**
 * StampedCache: serves what it read until anything is written through the connection, never
 * keeps what a transaction saw (a rollback leaves the change count where it was), and stays bounded.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Db } from './client.js';
import { StampedCache } from './stamped-cache.js';

describe('StampedCache', () => {
  let db: Db;
  let loads: string[];
  const nameOf = (id: string) => {
    loads.push(id);
    return (db.$client.prepare('select name from things where id = ?').pluck().get(id) as string | undefined) ?? undefined;
  };
  const write = (sql: string, ...params: unknown[]) => db.$client.prepare(sql).run(...params);

  beforeEach(() => {
    db = drizzle(new Database(':memory:')) as unknown as Db;
    write('create table things (id text primary key, name text not null)');
    write('create table other (n integer)');
    write("insert into things values ('a', 'first'), ('b', 'second')");
    loads = [];
  });

  test('reads each key once while nothing is written', () => {
    const cache = new StampedCache<string, string>(db);
    assert.equal(cache.get('a', nameOf), 'first');
    assert.equal(cache.get('a', nameOf), 'first');
    assert.equal(cache.get('b', nameOf), 'second');
    assert.deepEqual(loads, ['a', 'b']);
  });

  test('a write to any table empties it, so a changed or deleted row is read again', () => {
    const cache = new StampedCache<string, string>(db);
    cache.get('a', nameOf);
    write("update things set name = 'renamed' where id = 'a'");
    assert.equal(cache.get('a', nameOf), 'renamed');
    write('insert into other values (1)');
    cache.get('a', nameOf);
    write("delete from things where id = 'a'");
    assert.equal(cache.get('a', nameOf), undefined);
    assert.deepEqual(loads, ['a', 'a', 'a', 'a']);
  });

  test('a missing row is not kept: it is looked up again', () => {
    const cache = new StampedCache<string, string>(db);
    assert.equal(cache.get('z', nameOf), undefined);
    assert.equal(cache.get('z', nameOf), undefined);
    assert.deepEqual(loads, ['z', 'z']);
  });

  test('what a transaction read is not kept: after its rollback the old row is served again', () => {
    const cache = new StampedCache<string, string>(db);
    const rolledBack = db.$client.transaction(() => {
      write("update things set name = 'uncommitted' where id = 'a'");
      assert.equal(cache.get('a', nameOf), 'uncommitted');
      throw new Error('roll back');
    });
    assert.throws(rolledBack, /roll back/);
    assert.equal(cache.get('a', nameOf), 'first');
  });

  test('a load that writes keeps nothing', () => {
    const cache = new StampedCache<string, string>(db);
    const writingLoad = (id: string) => {
      write('insert into other values (2)');
      return nameOf(id);
    };
    cache.get('a', writingLoad);
    cache.get('a', nameOf);
    assert.deepEqual(loads, ['a', 'a']);
  });

  test('empties itself when full instead of growing', () => {
    const cache = new StampedCache<string, string>(db, 2);
    for (const id of ['a', 'b', 'a']) cache.get(id, nameOf);
    assert.deepEqual(loads, ['a', 'b']);
    cache.get('c', (id) => `made ${id}`); // a third key: the map was full, so it starts again
    cache.get('a', nameOf);
    assert.deepEqual(loads, ['a', 'b', 'a']);
  });
});
