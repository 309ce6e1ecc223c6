import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guestSystemOf } from './guest-system.js';

test('guestSystemOf: the OS and hostname fields as plain values, null where the guest says nothing', () => {
  const s = (field: string, v: string) => ({ field, value: { type: 7 as const, s: v } });
  assert.deepEqual(
    guestSystemOf([s('hostname', 'web-1'), s('os.name', 'Debian GNU/Linux'), s('os.version', '12 (bookworm)'), s('os.version-id', '12'), s('os.pretty-name', 'Debian GNU/Linux 12 (bookworm)'), s('os.kernel-release', '6.1.0-28-amd64'), { field: 'os.id', value: { type: 1, i: 3 } }]),
    { hostname: 'web-1', osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)', osPrettyName: 'Debian GNU/Linux 12 (bookworm)', kernelRelease: '6.1.0-28-amd64' },
  );
  assert.deepEqual(guestSystemOf([s('os.version-id', '1'), s('hostname', '  ')]), { hostname: null, osName: null, osVersion: '1', osPrettyName: null, kernelRelease: null });
});
