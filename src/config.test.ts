import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServeConfig } from './config.js';

test('TLS is on by default; --tls-cert/--tls-key pick files; --insecure-http turns it off', () => {
  assert.deepEqual(parseServeConfig([], {}).tls, { kind: 'auto' });
  assert.deepEqual(parseServeConfig(['--tls-cert', '/c.pem', '--tls-key', '/k.pem'], {}).tls, { kind: 'files', certFile: '/c.pem', keyFile: '/k.pem' });
  assert.deepEqual(parseServeConfig(['--insecure-http'], {}).tls, { kind: 'off' });
  assert.throws(() => parseServeConfig(['--tls-cert', '/c.pem'], {}), /--tls-cert and --tls-key go together; got only --tls-cert/);
  assert.throws(() => parseServeConfig(['--insecure-http', '--tls-key', '/k.pem'], {}), /cannot be combined/);
});

test('--public-url must be an http(s) URL', () => {
  assert.equal(parseServeConfig(['--public-url', 'https://Cloud.Example.com:8443/x'], {}).publicUrl?.hostname, 'cloud.example.com');
  assert.equal(parseServeConfig([], {}).publicUrl, undefined);
  assert.throws(() => parseServeConfig(['--public-url', 'cloud.example.com'], {}), /--public-url must be a URL like https:\/\/cloud\.example\.com, not 'cloud\.example\.com'/);
  assert.throws(() => parseServeConfig(['--public-url', 'ftp://x'], {}), /http or https URL/);
});

test('--acpi-grace is 30 s unless given, a whole number of seconds from 1 to 60', () => {
  assert.equal(parseServeConfig([], {}).acpiGraceSeconds, 30);
  assert.equal(parseServeConfig(['--acpi-grace', '3'], {}).acpiGraceSeconds, 3);
  for (const bad of ['0', '61', '2.5', 'soon']) {
    assert.throws(() => parseServeConfig(['--acpi-grace', bad], {}), new RegExp(`--acpi-grace must be a whole number of seconds from 1 to 60, not '${bad}'`));
  }
});

test('--nfs-mode is auto unless given; mount and qemu are taken, anything else refused', () => {
  assert.equal(parseServeConfig([]).nfsMode, 'auto');
  assert.equal(parseServeConfig(['--nfs-mode', 'qemu']).nfsMode, 'qemu');
  assert.equal(parseServeConfig(['--nfs-mode', 'mount']).nfsMode, 'mount');
  assert.throws(() => parseServeConfig(['--nfs-mode', 'kernel']), /--nfs-mode must be auto, mount or qemu, not 'kernel'\./);
});
