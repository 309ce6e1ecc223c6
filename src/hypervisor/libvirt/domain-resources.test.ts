import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourcesOfXml } from './domain-resources.js';

test('vCPUs and memory as libvirt writes them (KiB, current attribute)', () => {
  const xml = `<domain><memory unit='KiB'>524288</memory><currentMemory unit='KiB'>131072</currentMemory><vcpu placement='static' current='1'>4</vcpu></domain>`;
  assert.deepEqual(resourcesOfXml(xml), { vcpus: 1, maxVcpus: 4, memoryMiB: 128, maxMemoryMiB: 512 });
});

test('without current attribute or currentMemory, the current values are the maximums', () => {
  const xml = `<domain><memory unit='MiB'>256</memory><vcpu placement='static'>2</vcpu></domain>`;
  assert.deepEqual(resourcesOfXml(xml), { vcpus: 2, maxVcpus: 2, memoryMiB: 256, maxMemoryMiB: 256 });
});

test('an XML without vcpu or memory is an error, not zeros', () => {
  assert.throws(() => resourcesOfXml('<domain/>'), /no <vcpu> or <memory>/);
  assert.throws(() => resourcesOfXml(`<domain><memory unit='parsec'>1</memory><vcpu>1</vcpu></domain>`), /unknown unit 'parsec'/);
});
