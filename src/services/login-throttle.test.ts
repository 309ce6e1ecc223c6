import assert from 'node:assert/strict';
import { test } from 'node:test';
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
