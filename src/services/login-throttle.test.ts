import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressKey } from '../lib/address-key.js';
import { LoginThrottle } from './login-throttle.js';

test('five failures inside the window block the key until the oldest ages out', () => {
  let now = 0;
  const t = new LoginThrottle(5, 60_000, () => now);
  for (let i = 0; i < 5; i++) {
    assert.equal(t.retryAfterSeconds(['k']), 0);
    t.recordFailure(['k']);
    now += 1000;
  }
  assert.equal(t.retryAfterSeconds(['k']), 55);
  assert.equal(t.retryAfterSeconds(['other']), 0);
  now = 60_001;
  assert.equal(t.retryAfterSeconds(['k']), 0);
  t.reset(['k']);
  assert.equal(t.retryAfterSeconds(['k']), 0);
});

test('keys whose failures aged out are dropped as new failures come in, without a successful login', () => {
  let now = 0;
  const t = new LoginThrottle(5, 60_000, () => now);
  for (let i = 0; i < 1000; i++) t.recordFailure([`ip:10.0.${i >> 8}.${i & 255}`]);
  assert.equal(t.size, 1000);
  now = 61_000;
  t.recordFailure(['ip:192.0.2.1']);
  assert.equal(t.size, 1, 'only the fresh key is left');
});

test('the map is capped: past maxKeys the least recently failed key goes first', () => {
  let now = 0;
  const t = new LoginThrottle(2, 60_000, () => now, 100);
  t.recordFailure(['attacker']);
  t.recordFailure(['attacker']);
  for (let i = 0; i < 99; i++) t.recordFailure([`k${i}`]);
  assert.equal(t.size, 100);
  assert.ok(t.retryAfterSeconds(['attacker']) > 0, 'still within the cap');
  t.recordFailure(['attacker']); // recently failed keys stay
  for (let i = 0; i < 1000; i++) t.recordFailure([`flood${i}`]);
  assert.equal(t.size, 100);
});

test('IPv6 clients share a key per /64; IPv4 and IPv4-mapped addresses are themselves', () => {
  assert.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
  assert.equal(addressKey('local'), 'local');
  assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
});
