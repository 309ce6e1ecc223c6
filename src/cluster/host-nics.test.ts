/** Parsing /proc/net/dev: host NICs kept, loopback and guest taps left out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNetDev } from './host-nics.js';

const TEXT = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
  eth0: 123456789 1000    0    0    0     0          0         0  987654  900    0    0    0     0       0          0
 vnet3: 700       7    0    0    0     0          0         0      800      8    0    0    0     0       0          0
obr-lan: 42        1    0    0    0     0          0         0       43      1    0    0    0     0       0          0
`;

test('host NICs with their receive and transmit bytes; lo and vnetN are not host NICs', () => {
  assert.deepEqual(parseNetDev(TEXT), [
    { device: 'eth0', rxBytes: 123456789, txBytes: 987654 },
    { device: 'obr-lan', rxBytes: 42, txBytes: 43 },
  ]);
});
