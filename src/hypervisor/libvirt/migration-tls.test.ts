import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeMigrationTls } from './migration-tls.js';

const cert = { caPem: 'CA\n', certPem: 'CERT\n', keyPem: 'KEY\n' };
/** A group other than ours (chown to any gid needs root; else one of our own groups). */
const otherGid = process.getuid?.() === 0 ? 4242 : process.getgid!();
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('migration TLS files: who may read them', () => {
  const root = mkdtempSync(join(tmpdir(), 'onebox-migration-tls-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test("QEMU's directory and files belong to QEMU's group (0750, 0640); libvirtd's stay root's; rewriting restores both", () => {
    const dir = join(root, 'shared');
    const qemu = { name: 'qemu-test', gid: otherGid, source: 'test' };
    const layout = writeMigrationTls(dir, cert, '10.0.0.1', qemu);
    const check = () => {
      assert.deepEqual([modeOf(dir), statSync(dir).gid], [0o710, otherGid], 'QEMU passes through the migration directory');
      assert.deepEqual([modeOf(layout.qemuDir), statSync(layout.qemuDir).gid], [0o750, otherGid]);
      for (const f of readdirSync(layout.qemuDir)) assert.deepEqual([f, modeOf(join(layout.qemuDir, f)), statSync(join(layout.qemuDir, f)).gid], [f, 0o640, otherGid]);
      assert.equal(modeOf(layout.pkiDir), 0o700);
      for (const f of ['serverkey.pem', 'clientkey.pem']) assert.equal(modeOf(join(layout.pkiDir, f)), 0o600, f);
      for (const f of ['cacert.pem', 'servercert.pem', 'clientcert.pem']) assert.equal(modeOf(join(layout.pkiDir, f)), 0o644, f);
    };
    check();
    // An operator (or an older onebox) loosened or tightened them: the next start puts them back.
    chmodSync(join(layout.qemuDir, 'server-key.pem'), 0o600);
    chmodSync(join(layout.pkiDir, 'serverkey.pem'), 0o644);
    chmodSync(layout.qemuDir, 0o700);
    writeMigrationTls(dir, cert, '10.0.0.1', qemu);
    check();
  });

  test("without QEMU's group on this host everything stays root's: directories 0700, keys 0600", () => {
    const dir = join(root, 'alone');
    const layout = writeMigrationTls(dir, cert, '10.0.0.1', { name: 'libvirt-qemu', gid: undefined, source: 'test' });
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(layout.qemuDir), 0o700);
    for (const f of ['server-key.pem', 'client-key.pem']) assert.equal(modeOf(join(layout.qemuDir, f)), 0o600, f);
    assert.equal(modeOf(join(layout.qemuDir, 'ca-cert.pem')), 0o644);
  });

  test('libvirtd admits host certificates only', () => {
    const layout = writeMigrationTls(join(root, 'conf'), cert, '10.0.0.1', { name: 'x', gid: undefined, source: 'test' });
    assert.ok(layout.libvirtdConf.includes('tls_allowed_dn_list = ["CN=onebox host *"]'), layout.libvirtdConf.join('\n'));
    assert.ok(layout.libvirtdConf.includes('tls_no_verify_certificate = 0'));
  });
});
