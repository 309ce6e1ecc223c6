import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkHostnameLookup, SLOW_LOOKUP_MS } from './doctor-hostname.js';

describe('onebox doctor: host name lookup', () => {
  test('a name that resolves at once passes', async () => {
    const r = await checkHostnameLookup('node-a', async () => ({ address: '127.0.1.1', family: 4 }));
    assert.equal(r.ok, true);
    assert.equal(r.required, false);
    assert.match(r.detail, /'node-a' resolves in \d+ ms/);
  });

  test('a slow lookup warns with the /etc/hosts line to add', async () => {
    const slow = () => new Promise((r) => setTimeout(r, SLOW_LOOKUP_MS + 100));
    const r = await checkHostnameLookup('node-b', slow);
    assert.equal(r.ok, false);
    assert.equal(r.required, false, 'a warning: the host works, its migrations pause longer');
    assert.match(r.detail, /'node-b' took \d+ ms to resolve: add `127\.0\.1\.1 node-b`/);
  });

  test('a name that does not resolve warns with the reason', async () => {
    const r = await checkHostnameLookup('node-c', async () => { throw new Error('getaddrinfo ENOTFOUND node-c'); });
    assert.equal(r.ok, false);
    assert.match(r.detail, /'node-c' does not resolve \(getaddrinfo ENOTFOUND node-c, after \d+ ms\): add `127\.0\.1\.1 node-c`/);
  });

  test('the real resolver: localhost (always in /etc/hosts) resolves at once', async () => {
    const r = await checkHostnameLookup('localhost');
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /'localhost' resolves in \d+ ms/);
  });
});
