import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateAddress, rangeSize } from './ip-allocator.js';

const ranges = [
  { start: 10, end: 12 },
  { start: 20, end: 21 },
];

test('allocation, table-driven', () => {
  const cases: { name: string; used: number[]; requested?: number; expect: ReturnType<typeof allocateAddress> }[] = [
    { name: 'first free of the first range', used: [], expect: { address: 10 } },
    { name: 'skips used addresses', used: [10, 11], expect: { address: 12 } },
    { name: 'moves on to the next range', used: [10, 11, 12], expect: { address: 20 } },
    { name: 'exhausted', used: [10, 11, 12, 20, 21], expect: { error: 'exhausted' } },
    { name: 'a requested free address', used: [10], requested: 21, expect: { address: 21 } },
    { name: 'a requested address in use', used: [21], requested: 21, expect: { error: 'taken' } },
    { name: 'a requested address between ranges', used: [], requested: 15, expect: { error: 'outside' } },
  ];
  for (const c of cases) assert.deepEqual(allocateAddress(ranges, new Set(c.used), c.requested), c.expect, c.name);
  assert.equal(rangeSize(ranges), 5);
});
