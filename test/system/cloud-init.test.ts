/**
 * cloud-init end to end: the real executable builds a NoCloud seed ISO, libvirt attaches it
 * as a second SATA CD-ROM, and the mini guest's NoCloud reader takes its hostname (the
 * instance name) and root password (a SHA-512 crypt hash) from it. Deleting the instance
 * removes the seed.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY as MARKER, miniImagePath } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { listDomains, OneboxServer, virshXml, type Json } from './onebox-server.js';
const PASSWORD = 'Passw0rdX';

describe('cloud-init: the guest reads its seed', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let imageId: string;
  let inst: Json;

  before(async () => {
    const imagePath = await miniImagePath();
    server = await OneboxServer.start();
    await server.bootstrap();
    const res = await server.call('POST', '/images?name=mini&os=linux', {
      body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 201, await res.clone().text());
    imageId = ((await res.json()) as Json).id;
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  test('create with cloudInit: the seed is a second SATA CD-ROM and the guest takes hostname and password', async () => {
    const res = await server.call('POST', '/instances', {
      json: {
        name: 'ci-guest',
        cores: 1,
        memoryMiB: 256,
        disk: { source: 'image', imageId, sizeGiB: 1 },
        cloudInit: { password: PASSWORD, sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnly test@onebox'] },
        start: true,
      },
    });
    const op = await server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    inst = await server.json('GET', '/instances/ci-guest');
    assert.equal(inst.state, 'running');
    assert.deepEqual(inst.cloudInit, { passwordSet: true, sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnly test@onebox'], userDataSet: false });
    assert.doesNotMatch(JSON.stringify(inst), /\$6\$|Passw0rdX/);

    const seed = join(server.dataDir, 'instances', inst.id, 'seed.iso');
    assert.ok(existsSync(seed));
    const xml = virshXml(inst.domainName);
    assert.match(xml, new RegExp(`<disk type='file' device='cdrom'>\\s*<driver name='qemu' type='raw'/>\\s*<source file='${seed}'[^>]*/>[\\s\\S]*?<target dev='sdb' bus='sata'/>\\s*<readonly/>`));

    const log = await server.waitConsole(inst.id, MARKER);
    assert.match(log, /onebox-mini: NoCloud seed from \/dev\/sr\d/);
    assert.match(log, /onebox-mini: hostname ci-guest/);
    assert.match(log, /onebox-mini: root password set/);
    assert.match(log, /onebox-mini: booted ci-guest /);
  });

  test('root password in /etc/shadow is the crypt hash of the requested password', async () => {
    // Recompute the hash in the guest with the salt from /etc/shadow; PW-$((40+2)) keeps the echoed command from matching.
    const check =
      `h=$(grep '^root:' /etc/shadow | cut -d: -f2); s=$(echo "$h" | cut -d'$' -f3); ` +
      `[ -n "$h" ] && [ "$(echo '${PASSWORD}' | mkpasswd -m sha512 -s -S "$s")" = "$h" ] && echo PW-$((40+2)) || echo PW-$((50+1))`;
    const output = await server.serialRun(inst.id, check, /PW-\d/);
    assert.match(output, /PW-42/);
    assert.doesNotMatch(output, /PW-51/);
  });

  test('delete removes the domain, the seed and the instance directory', async () => {
    const op = await server.waitOperation(await server.call('DELETE', `/instances/${inst.id}`));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.ok(!listDomains().includes(inst.domainName));
    assert.equal(existsSync(join(server.dataDir, 'instances', inst.id, 'seed.iso')), false);
    assert.equal(existsSync(join(server.dataDir, 'instances', inst.id)), false);
    assert.equal((await server.call('DELETE', `/images/${imageId}`)).status, 204);
  });
});
