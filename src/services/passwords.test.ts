import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';

// This file never calls useCheapPasswordHashingInTests: it checks what production stores.
test('a password is hashed with scrypt N=2^15, r=8, p=3 and verifies; a wrong one does not', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.match(stored, /^scrypt\$32768\$8\$3\$[\w-]{22}\$[\w-]{43}$/);
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterz', stored), false);
  assert.equal(needsRehash(stored), false);
  assert.equal(needsRehash(stored.replace('$32768$', '$16384$')), true);
});
