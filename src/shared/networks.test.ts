import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCidr, parseIpv4 } from './ipv4.js';
import { checkAddressPool, type AddressRangeInput } from './networks.js';

const r = (start: string, end: string, prefix = 24): AddressRangeInput => ({ start, end, prefix });
const other = (pool: string, start: string, end: string) => ({ pool, range: { start: parseIpv4(start)!, end: parseIpv4(end)! } });

test('address pool checks, table-driven', () => {
  const cases: { name: string; gateway: string; ranges: AddressRangeInput[]; others?: ReturnType<typeof other>[]; nat?: string; expect: { field: string; conflict: boolean; match: RegExp }[] }[] = [
    { name: 'one good range', gateway: '192.168.1.1', ranges: [r('192.168.1.100', '192.168.1.199')], expect: [] },
    { name: 'two good ranges', gateway: '192.168.1.1', ranges: [r('192.168.1.10', '192.168.1.19'), r('192.168.1.20', '192.168.1.29')], expect: [] },
    { name: 'range outside the subnet', gateway: '192.168.1.1', ranges: [r('192.168.2.10', '192.168.2.20')], expect: [{ field: 'ranges.0', conflict: false, match: /outside the gateway's subnet/ }] },
    { name: 'gateway inside a range', gateway: '192.168.1.50', ranges: [r('192.168.1.10', '192.168.1.99')], expect: [{ field: 'ranges.0', conflict: false, match: /gateway 192.168.1.50 lies inside/ }] },
    { name: 'start after end', gateway: '192.168.1.1', ranges: [r('192.168.1.99', '192.168.1.10')], expect: [{ field: 'ranges.0', conflict: false, match: /starts after it ends/ }] },
    { name: 'overlapping ranges', gateway: '192.168.1.1', ranges: [r('192.168.1.10', '192.168.1.50'), r('192.168.1.50', '192.168.1.60')], expect: [{ field: 'ranges.0', conflict: false, match: /overlap/ }] },
    { name: 'ranges of different prefixes', gateway: '10.0.0.1', ranges: [r('10.0.0.10', '10.0.0.20', 24), r('10.0.0.30', '10.0.0.40', 16)], expect: [{ field: 'ranges', conflict: false, match: /one subnet/ }] },
    { name: 'overlap with another pool on the network', gateway: '192.168.1.1', ranges: [r('192.168.1.10', '192.168.1.50')], others: [other('lan-a', '192.168.1.40', '192.168.1.45')], expect: [{ field: 'ranges.0', conflict: true, match: /address pool 'lan-a'/ }] },
    { name: 'touching another pool is fine', gateway: '192.168.1.1', ranges: [r('192.168.1.10', '192.168.1.39')], others: [other('lan-a', '192.168.1.40', '192.168.1.45')], expect: [] },
    { name: 'NAT: range outside the network', gateway: '10.42.0.1', ranges: [r('10.42.1.10', '10.42.1.20', 16)], nat: '10.42.0.0/24', expect: [{ field: 'ranges.0', conflict: false, match: /outside the network's subnet/ }] },
  ];
  for (const c of cases) {
    const problems = checkAddressPool({ gateway: c.gateway, ranges: c.ranges }, { otherRanges: c.others ?? [], networkSubnet: c.nat ? parseCidr(c.nat) : undefined });
    assert.equal(problems.length, c.expect.length, `${c.name}: ${JSON.stringify(problems)}`);
    c.expect.forEach((e, i) => {
      assert.equal(problems[i].field, e.field, c.name);
      assert.equal(problems[i].conflict, e.conflict, c.name);
      assert.match(problems[i].message, e.match, c.name);
    });
  }
});
