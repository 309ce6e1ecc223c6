/** `onebox doctor` through the real executable: every check reported; missing tools named with their package. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { BINARY } from './onebox-server.js';

const skip = skipUnlessPresent(bundle());

test('doctor on this host: all required checks pass, accelerator is TCG with the reason', { skip }, () => {
  const res = spawnSync(BINARY, ['doctor', '--data-dir', '/tmp'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(res.status, 0, res.stdout + res.stderr);
  for (const check of ['libvirt daemon', 'QEMU x86-64 emulator', 'qemu-img', 'dnsmasq', 'genisoimage', 'libvirtd reachable', 'accelerator', 'disk space', 'host name lookup'])
    assert.match(res.stdout, new RegExp(`✓ ${check}|! ${check}`), `${check} missing from:\n${res.stdout}`);
  assert.match(res.stdout, /accelerator: TCG: .*(vmx|svm|PVM)/);
  assert.match(res.stdout, /libvirtd reachable: libvirt 9\.\d+\.\d+, QEMU \d+\.\d+/);
});

test('doctor with nothing on PATH and no libvirtd names the packages to install and fails', { skip }, () => {
  // An empty PATH hides the tools (doctor also looks in /usr/sbin for libvirtd, so that one stays found).
  const res = spawnSync(BINARY, ['doctor', '--data-dir', '/tmp', '--libvirt-socket', '/nonexistent/sock'], {
    encoding: 'utf8', timeout: 30_000, env: { PATH: '/nonexistent' },
  });
  assert.equal(res.status, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /✗ qemu-img disk tool: qemu-img is missing/);
  assert.match(res.stdout, /✗ libvirtd reachable: no socket at \/nonexistent\/sock/);
  assert.match(res.stdout, /apt-get install -y --no-install-recommends .*qemu-utils/);
  assert.match(res.stdout, /qemu-system-x86/);
});

test('unknown commands and bad flags exit non-zero with a sentence', { skip }, () => {
  const unknown = spawnSync(BINARY, ['frobnicate'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badPort = spawnSync(BINARY, ['serve', '--port', 'http'], { encoding: 'utf8' });
  assert.equal(badPort.status, 1);
  assert.match(badPort.stderr, /--port must be a number from 1 to 65535, not 'http'/);
  const badAccel = spawnSync(BINARY, ['serve', '--accel', 'kvm', '--data-dir', '/tmp/onebox-accel-test', '--port', '1'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(badAccel.status, 1);
  assert.match(badAccel.stderr, /KVM/);
});
