/** cloud-init through the API: the seed ISO is built, attached as sdb, hidden from views, and removed with the instance. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sha512Crypt } from '../../lib/sha512-crypt.js';
import { genisoimage, skipUnlessPresent } from '../../../test/require-system.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { json, tinyIso, tinyQcow2, waitOperation as waitFor, type Json } from './fixtures.js';


/** One file of an ISO, by its Joliet name. */
function isoFile(iso: string, name: string): string {
  const r = spawnSync('isoinfo', ['-J', '-i', iso, '-x', `/${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('cloud-init API (fake hypervisor, real genisoimage)', { skip: skipUnlessPresent(genisoimage()) }, () => {
  let api: TestApi;
  let imageId: string;
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnly alice@example';

  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    imageId = (await json(await api.call('POST', '/api/v1/images?name=base', { body: tinyQcow2() }))).id;
  });
  after(() => api.close());
  const seedIso = (instanceId: string) => api.storage.pathOf(`${instanceId}/seed.iso`);

  const create = (body: Json) => api.call('POST', '/api/v1/instances', { json: body });
  const base = (name: string, extra: Json = {}) => ({ name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, ...extra });

  const waitOperation = (res: Response) => waitFor(api, res.headers.get('location'));

  test('create with cloudInit: seed.iso (cidata) attached as sdb with hostname, hashed password, keys and merged user data', async () => {
    const userData = '#cloud-config\nruncmd:\n  - echo hello\n';
    const res = await create(base('ci-1', { cloudInit: { password: 'Passw0rdX', sshAuthorizedKeys: [`  ${KEY}\n`], userData } }));
    assert.equal(res.status, 202, await res.clone().text());
    const created = await json(res);
    assert.deepEqual(created.instance.cloudInit, { passwordSet: true, sshAuthorizedKeys: [KEY], userDataSet: true });
    assert.equal((await waitOperation(res)).state, 'succeeded');

    const inst = await json(await api.call('GET', '/api/v1/instances/ci-1'));
    const seedPath = seedIso(inst.id);
    assert.deepEqual(api.hypervisor.specOf(inst.domainName)?.seed, { path: seedPath, target: 'sdb' });
    assert.equal(api.hypervisor.specOf(inst.domainName)?.cdrom.target, 'sda');
    assert.ok(existsSync(seedPath));
    assert.match(spawnSync('isoinfo', ['-d', '-i', seedPath], { encoding: 'utf8' }).stdout, /^Volume id: cidata$/m);
    assert.equal(isoFile(seedPath, 'meta-data'), `instance-id: "${inst.id}"\nlocal-hostname: "ci-1"\n`);

    const ud = isoFile(seedPath, 'user-data');
    assert.match(ud, /^Content-Type: multipart\/mixed/);
    assert.match(ud, /^hostname: "ci-1"$/m);
    assert.match(ud, new RegExp(`^  - "${KEY}"$`, 'm'));
    assert.doesNotMatch(ud, /Passw0rdX/);
    const hash = /^password: "(\$6\$([^$]+)\$[^"]+)"$/m.exec(ud);
    assert.ok(hash, ud);
    assert.equal(sha512Crypt('Passw0rdX', hash[2]), hash[1]);
    assert.match(ud, new RegExp(Buffer.from(userData).toString('base64').slice(0, 40).replace(/[+/]/g, '\\$&')));

    // The database keeps the hash only, and no view shows it.
    const row = api.services.instances.get('ci-1');
    assert.equal(row.cloudInit?.passwordHash, hash[1]);
    const text = JSON.stringify(await json(await api.call('GET', '/api/v1/instances')));
    assert.doesNotMatch(text, /\$6\$|passwordHash|Passw0rdX|runcmd/);
  });

  test('a redefine (start from an ISO) keeps the seed drive', async () => {
    const media = await json(await api.call('POST', '/api/v1/media?name=x.iso', { body: tinyIso() }));
    const res = await api.call('POST', '/api/v1/instances/ci-1/actions/start-from-iso', { json: { mediaId: media.id } });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await waitOperation(res)).state, 'succeeded');
    const inst = api.services.instances.get('ci-1');
    assert.equal(api.hypervisor.specOf(inst.domainName)?.seed?.path, seedIso(inst.id));
  });

  test('without cloudInit there is no seed; a plain #cloud-config when only a password is given', async () => {
    const plain = await create(base('plain-1'));
    assert.equal((await waitOperation(plain)).state, 'succeeded');
    const p = api.services.instances.get('plain-1');
    assert.equal(p.cloudInit, null);
    assert.equal(api.hypervisor.specOf(p.domainName)?.seed, undefined);
    assert.equal(existsSync(seedIso(p.id)), false);
    assert.equal((await json(await api.call('GET', '/api/v1/instances/plain-1'))).cloudInit, null);

    const pw = await create(base('pw-1', { cloudInit: { password: 'Passw0rdX' } }));
    assert.equal((await waitOperation(pw)).state, 'succeeded');
    const ud = isoFile(seedIso(api.services.instances.get('pw-1').id), 'user-data');
    assert.match(ud, /^#cloud-config\n/);
    assert.doesNotMatch(ud, /ssh_authorized_keys|Content-Type/);
  });

  test('bad cloudInit requests get 400 with stable codes and create nothing', async () => {
    const cases: [Json, string, string][] = [
      [{ name: 'b1', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, cloudInit: { password: 'Passw0rdX' } }, 'cloud_init_needs_image', 'cloudInit'],
      [base('b2', { cloudInit: { password: 'weak' } }), 'password_too_weak', 'cloudInit.password'],
      [base('b3', { cloudInit: { sshAuthorizedKeys: ['ssh-rsa AAAA\nruncmd: [reboot]'] } }), 'validation_failed', 'cloudInit.sshAuthorizedKeys.0'],
      [base('b4', { cloudInit: { sshAuthorizedKeys: ['not a key'] } }), 'validation_failed', 'cloudInit.sshAuthorizedKeys.0'],
      [base('b5', { cloudInit: { sshAuthorizedKeys: Array(21).fill(KEY) } }), 'validation_failed', 'cloudInit.sshAuthorizedKeys'],
      [base('b6', { cloudInit: { sshAuthorizedKeys: [`ssh-rsa ${'A'.repeat(8200)}`] } }), 'validation_failed', 'cloudInit.sshAuthorizedKeys.0'],
      [base('b7', { cloudInit: { userData: 'runcmd: [reboot]' } }), 'validation_failed', 'cloudInit.userData'],
      [base('b8', { cloudInit: { userData: `#cloud-config\n${'x'.repeat(64 * 1024)}` } }), 'validation_failed', 'cloudInit.userData'],
      [base('b10', { cloudInit: { userData: '#cloud-config-archive\n- type: text/cloud-config' } }), 'validation_failed', 'cloudInit.userData'],
      [base('b9', { cloudInit: { hostname: 'x' } }), 'validation_failed', 'cloudInit'],
    ];
    for (const [body, code, field] of cases) {
      const res = await create(body);
      const problem = await json(res);
      assert.equal(res.status, 400, `${body.name}: ${JSON.stringify(problem)}`);
      assert.equal(problem.code, code, body.name);
      assert.ok(problem.errors.some((e: Json) => e.field === field), `${body.name}: ${JSON.stringify(problem.errors)}`);
      assert.equal((await api.call('GET', `/api/v1/instances/${body.name}`)).status, 404);
    }
  });

  test('delete removes the seed with the instance', async () => {
    const inst = api.services.instances.get('ci-1');
    await api.call('POST', '/api/v1/instances/ci-1/actions/force-stop');
    const res = await api.call('DELETE', '/api/v1/instances/ci-1');
    assert.equal((await waitOperation(res)).state, 'succeeded');
    assert.equal(existsSync(seedIso(inst.id)), false);
    assert.equal(existsSync(api.agent.paths.instanceDir(inst.id)), false);
  });
});
