import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../lib/errors.js';
import { JOIN_USAGE, parseAgentArgs } from './join.js';

const join = ['https://10.0.0.1:5870', '--token', 'T', '--fingerprint', 'SHA256:AB'];

test('join and agent take --nfs-mode like serve: auto by default, mount or qemu; anything else refused with a sentence', () => {
  assert.equal(parseAgentArgs(join).cfg.nfsMode, 'auto');
  assert.equal(parseAgentArgs([...join, '--nfs-mode', 'qemu']).cfg.nfsMode, 'qemu');
  assert.equal(parseAgentArgs(['--nfs-mode', 'mount']).cfg.nfsMode, 'mount');
  assert.throws(
    () => parseAgentArgs([...join, '--nfs-mode', 'nfs4']),
    (err: unknown) => err instanceof AppError && err.code === 'validation_failed' && err.message === "--nfs-mode must be auto, mount or qemu, not 'nfs4'.",
  );
  assert.throws(() => parseAgentArgs(['--nfs-mode']), /argument missing/);
  assert.match(JOIN_USAGE, /^ {2}--nfs-mode MODE {7}auto \(default\) \| mount \| qemu/m);
});

test('join flags: the controller URL, token and fingerprint; listen, advertise and accel checked', () => {
  const { cfg, url, token, fingerprint } = parseAgentArgs([...join, '--listen', '[::1]:6000', '--accel', 'tcg']);
  assert.deepEqual([url, token, fingerprint], ['https://10.0.0.1:5870', 'T', 'SHA256:AB']);
  assert.deepEqual([cfg.listenHost, cfg.listenPort, cfg.accel], ['::1', 6000, 'tcg']);
  for (const [flags, message] of [
    [['--listen', 'nowhere'], /--listen must be ADDR:PORT/],
    [['--accel', 'xen'], /--accel must be kvm, tcg or auto/],
    [['--advertise', 'http://10.0.0.2:5871'], /--advertise must be https:\/\/ADDR:PORT/],
  ] as const) assert.throws(() => parseAgentArgs([...join, ...flags]), message);
});
