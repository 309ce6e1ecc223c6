import assert from 'node:assert/strict';
import { test } from 'node:test';
import { broadcastOf, formatIpv4, inSubnet, maskOf, networkOf, parseCidr, parseIpv4, subnetsOverlap } from './ipv4.js';

test('parse and format IPv4 addresses', () => {
  const cases: [string, number | undefined][] = [
    ['0.0.0.0', 0], ['10.0.0.1', 0x0a000001], ['255.255.255.255', 0xffffffff], ['192.168.1.254', 0xc0a801fe],
    ['256.0.0.1', undefined], ['10.0.0', undefined], ['10.0.0.01', undefined], [' 10.0.0.1', undefined], ['a.b.c.d', undefined], ['1.2.3.4.5', undefined], ['', undefined], ['1.2.3.4.', undefined], ['1..3.4', undefined], ['1.2.3.1000', undefined], ['00.1.2.3', undefined], ['10.0.0.1 ', undefined],
  ];
  for (const [text, n] of cases) assert.equal(parseIpv4(text), n, text);
  assert.equal(formatIpv4(0xc0a801fe), '192.168.1.254');
});

test('masks, networks, broadcasts, CIDRs and overlaps', () => {
  assert.equal(maskOf(24), 0xffffff00);
  assert.equal(maskOf(0), 0);
  assert.equal(maskOf(32), 0xffffffff);
  assert.equal(formatIpv4(networkOf(parseIpv4('10.1.2.3')!, 16)), '10.1.0.0');
  assert.equal(formatIpv4(broadcastOf(parseIpv4('10.1.2.3')!, 24)), '10.1.2.255');
  assert.deepEqual(parseCidr('10.1.0.0/16'), { network: 0x0a010000, prefix: 16 });
  assert.equal(parseCidr('10.1.2.3/16'), undefined, 'not a network address');
  assert.equal(parseCidr('10.1.0.0/33'), undefined);
  assert.equal(subnetsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.1.0.0/16')!), true);
  assert.equal(subnetsOverlap(parseCidr('10.1.0.0/16')!, parseCidr('10.2.0.0/16')!), false);
  assert.equal(inSubnet(parseIpv4('192.168.1.7')!, parseCidr('192.168.1.0/24')!), true);
  assert.equal(inSubnet(parseIpv4('192.168.2.7')!, parseCidr('192.168.1.0/24')!), false);
});
