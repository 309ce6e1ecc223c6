/**
 * System test of the `onebox` CLI against the real executable and a real server with one TCG
 * mini guest, in a lab (a private libvirtd; the first-run network's bridge, dnsmasq and the guest
 * in the lab's host namespace): help and completion generated from the command table, login
 * with --password-stdin and a pinned fingerprint (a wrong one refused), an image upload with the
 * progress bar on a pseudo-terminal (`script`), a vmdk upload that waits for its conversion
 * (a second bar, or the operation with --no-wait), create/start/stop/delete with --output json
 * (the guest on the first-run network at the address `--network default,ip=…` asked for), its
 * migration targets as a table and as JSON,
 * the serial console attached in a pseudo-terminal printing a marker the guest's shell echoes,
 * errors as one line with distinct exit codes, logout revoking the token, and `service install`
 * refusing where systemd does not run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { miniImagePath, miniIsoPath } from '../fixtures/mini-image.js';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { ADMIN, BINARY, OneboxServer, waitFor, type Json } from './onebox-server.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Shell-quotes one word for `script -c`. */
const sh = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

describe('the onebox CLI', { skip: skipUnlessPresent(bundle(), ...labRequirements()) }, () => {
  let lab: Lab;
  let libvirtd: PrivateQemuLibvirtd;
  let server: OneboxServer;
  let configDir: string;
  let fingerprint: string;
  let imagePath: string;
  const env = () => ({ ...process.env, ONEBOX_CONFIG_DIR: configDir });

  /** Runs the CLI (no terminal): its exit code and output. */
  function cli(args: string[], input = '', timeoutMs = 240_000): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(BINARY, args, { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(input);
    });
  }

  /** Runs the CLI and parses its JSON output; fails with its stderr when it did not exit 0. */
  async function cliJson(args: string[]): Promise<Json> {
    const res = await cli([...args, '--output', 'json']);
    assert.equal(res.code, 0, `onebox ${args.join(' ')}: ${res.stderr}`);
    return JSON.parse(res.stdout) as Json;
  }

  /** The CLI in a pseudo-terminal (`script`), fed through its stdin; `then` runs in the same terminal afterwards. */
  function pty(args: string[], then = '') {
    const child = spawn('script', ['-qfec', `${[BINARY, ...args].map(sh).join(' ')}${then ? `; ${then}` : ''}`, '/dev/null'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    const session = { out: '', write: (text: string) => child.stdin.write(text), exited: new Promise<number | null>((resolve) => child.once('close', resolve)), kill: () => child.kill('SIGKILL') };
    child.stdout.on('data', (d) => (session.out += d));
    return session;
  }

  before(async () => {
    imagePath = await miniImagePath();
    lab = await createLab('cli');
    libvirtd = await lab.startLibvirtd();
    server = await OneboxServer.start(['--host-netns', lab.hostNs], { socketPath: libvirtd.socketPath, uri: libvirtd.uri });
    await server.bootstrap({ create: true, subnet: `${lab.address(2, 0)}/24` });
    const printed = /certificate SHA-256 ([0-9A-F:]+)/.exec(server.output);
    assert.ok(printed, `serve printed no fingerprint:\n${server.output}`);
    fingerprint = printed[1];
    configDir = mkdtempSync(join(tmpdir(), 'onebox-cli-'));
  });
  after(async () => {
    await server?.cleanup().catch((err: unknown) => console.error(String(err)));
    await libvirtd?.stop();
    await lab?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  test('--help on the top, a group and a command; usage errors exit 2', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /onebox instances list\|show\|create\|start\|stop\|reboot\|reset\|delete\|migration-targets\|migrate\|console/);
    assert.match(top.stdout, /onebox login URL/);
    const group = await cli(['images', '--help']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /upload FILE +upload a disk image file/);
    const cmd = await cli(['instances', 'create', '--help']);
    assert.equal(cmd.code, 0);
    assert.match(cmd.stdout, /Usage: onebox instances create NAME \[flags\]/);
    assert.match(cmd.stdout, /--no-wait/);
    const unknown = await cli(['instances', 'explode']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /'instances' has no command 'explode'/);
    const badFlag = await cli(['instances', 'list', '--output', 'xml']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--output must be one of table, json, yaml, not 'xml'/);
  });

  test('before login a command says to log in and exits 4', async () => {
    const res = await cli(['instances', 'list']);
    assert.equal(res.code, 4);
    assert.match(res.stderr, /Not logged in: run 'onebox login/);
  });

  test('login refuses a wrong fingerprint, and asks for one without a terminal', async () => {
    const wrong = `SHA256:${'AB:'.repeat(31)}AB`;
    const refused = await cli(['login', server.origin, '--username', ADMIN.username, '--password-stdin', '--fingerprint', wrong], `${ADMIN.password}\n`);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /The server's certificate is SHA256:[0-9A-F:]{95}, not SHA256:AB:AB.* as given with --fingerprint: not logging in\. \(certificate_mismatch\)/);
    assert.equal(existsSync(join(configDir, 'config.json')), false);
    const unasked = await cli(['login', server.origin, '--username', ADMIN.username, '--password-stdin'], `${ADMIN.password}\n`);
    assert.equal(unasked.code, 2);
    assert.match(unasked.stderr, new RegExp(`certificate is SHA256:${fingerprint}.*--fingerprint`));
  });

  test('a wrong password is the API error in one line, exit 1', async () => {
    const res = await cli(['login', server.origin, '--username', ADMIN.username, '--password-stdin', '--fingerprint', fingerprint], 'Wr0ngPassword\n');
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.match(res.stderr, /^onebox login: .+ \(invalid_credentials\)\n$/);
  });

  test('login with --password-stdin and --fingerprint stores a 0600 token that works', async () => {
    const res = await cli(['login', server.origin, '--username', ADMIN.username, '--password-stdin', '--fingerprint', `sha256:${fingerprint.toLowerCase()}`], `${ADMIN.password}\n`);
    assert.equal(res.code, 0, res.stderr);
    const file = join(configDir, 'config.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Json;
    assert.equal(stored.server, server.origin);
    assert.equal(stored.fingerprint, `SHA256:${fingerprint}`);
    assert.match(stored.token, /^obt_/);
    const tokens = await cliJson(['tokens', 'list']);
    assert.ok(tokens.some((t: Json) => t.id === stored.tokenId), 'the CLI token is listed');
    assert.ok(tokens.every((t: Json) => t.token === undefined), 'no secrets in the list');
  });

  test('users: create with the password on stdin, list, disable, reset the password, delete; a token with an expiry and a narrower role', async () => {
    const made = await cli(['users', 'create', 'carol', '--password-stdin', '--display-name', 'Carol', '--output', 'json'], 'C4rolPassw0rd\n');
    assert.equal(made.code, 0, made.stderr);
    assert.deepEqual({ ...JSON.parse(made.stdout), id: 'x', createdAt: 'x' }, { id: 'x', createdAt: 'x', username: 'carol', displayName: 'Carol', email: '', role: 'user', disabled: false });
    assert.deepEqual((await cliJson(['users', 'list', '--prefix', 'car'])).map((u: Json) => u.username), ['carol']);
    assert.equal((await cliJson(['users', 'update', 'carol', '--disable'])).disabled, true);
    const reset = await cli(['users', 'reset-password', 'carol', '--password-stdin'], 'N3wPassw0rdX\n');
    assert.equal(reset.code, 0, reset.stderr);
    const weak = await cli(['users', 'create', 'dave', '--password-stdin'], 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /\(password_too_weak\)\n$/);
    const nothing = await cli(['users', 'update', 'carol']);
    assert.equal(nothing.code, 2, 'nothing to change is a usage error');
    assert.equal((await cli(['users', 'delete', 'carol'])).code, 0);
    const gone = await cli(['users', 'show', 'carol']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /\(user_not_found\)\n$/);
    const token = await cliJson(['tokens', 'create', 'ci-viewer', '--expires-in-days', '7', '--role', 'viewer']);
    assert.equal(token.role, 'viewer');
    assert.ok(Date.parse(token.expiresAt) > Date.now() + 6 * 86_400_000, `expires in a week: ${token.expiresAt}`);
    assert.equal((await cli(['tokens', 'revoke', 'ci-viewer'])).code, 0);
  });

  test('a changed certificate is refused on later commands', async () => {
    const file = join(configDir, 'config.json');
    const good = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, JSON.stringify({ ...JSON.parse(good), fingerprint: `SHA256:${'01:'.repeat(31)}01` }), { mode: 0o600 });
      const res = await cli(['hosts', 'list']);
      assert.equal(res.code, 3);
      assert.match(res.stderr, /is SHA256:[0-9A-F:]+, not the pinned SHA256:01:01.*refusing to talk to it.*\(certificate_mismatch\)/);
    } finally {
      writeFileSync(file, good, { mode: 0o600 });
    }
  });

  test('an image upload on a pseudo-terminal draws the progress bar; without one it does not', async () => {
    const res = spawnSync('script', ['-qfec', [BINARY, 'images', 'upload', imagePath, '--name', 'mini'].map(sh).join(' '), '/dev/null'], { env: env(), encoding: 'utf8', timeout: 120_000 });
    assert.equal(res.status, 0, res.stdout);
    assert.match(res.stdout, /\[#{30}\] 100% mini-[0-9a-f]+\.qcow2 [\d.]+ MiB\/[\d.]+ MiB/);
    assert.match(res.stdout, /name: +mini/);
    const plain = await cli(['media', 'upload', await miniIsoPath(), '--name', 'small.iso', '--output', 'json']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, '', 'no progress bar without a terminal');
    assert.equal((JSON.parse(plain.stdout) as Json).name, 'small.iso');
    const images = await cliJson(['images', 'list']);
    assert.deepEqual(images.map((i: Json) => i.name), ['mini']);
  });

  test('a vmdk upload waits for the conversion: a second bar on a terminal, the ready qcow2 image printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onebox-cli-vmdk-'));
    try {
      const vmdk = join(dir, 'legacy.vmdk');
      spawnSync('qemu-img', ['convert', '-O', 'vmdk', imagePath, vmdk]);
      const tty = spawnSync('script', ['-qfec', [BINARY, 'images', 'upload', vmdk, '--name', 'legacy-tty'].map(sh).join(' '), '/dev/null'], { env: env(), encoding: 'utf8', timeout: 240_000 });
      assert.equal(tty.status, 0, tty.stdout);
      assert.match(tty.stdout, /\] 100% legacy\.vmdk /, 'the upload bar');
      assert.match(tty.stdout, /\] \d+% image\.import converting/, 'then the conversion bar');
      assert.match(tty.stdout, /format: +qcow2/);
      const plain = await cliJson(['images', 'upload', vmdk, '--name', 'legacy-json']);
      assert.deepEqual([plain.name, plain.format, plain.state], ['legacy-json', 'qcow2', 'ready']);
      const noWait = await cliJson(['images', 'upload', vmdk, '--name', 'legacy-nowait', '--no-wait']);
      assert.deepEqual([noWait.kind, noWait.targetType], ['image.import', 'image'], 'with --no-wait: the operation');
      await waitFor('the --no-wait conversion', 120_000, async () => (await cliJson(['images', 'list'])).some((i: Json) => i.name === 'legacy-nowait' && i.state === 'ready'));
      for (const name of ['legacy-tty', 'legacy-json', 'legacy-nowait']) assert.equal((await cli(['images', 'delete', name])).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('create --start on a network at a chosen address, show, stop and start with --output json; yaml and table outputs', async () => {
    const address = lab.address(2, 42);
    const created = await cliJson(['instances', 'create', 'cli1', '--image', 'mini', '--memory', '128', '--network', `default,ip=${address}`, '--start']);
    assert.equal(created.name, 'cli1');
    assert.equal(created.state, 'running');
    assert.deepEqual(created.nics.map((n: Json) => n.address), [address]);
    // The guest asks the network's dnsmasq and gets the address the CLI asked for.
    await server.waitConsole(created.id, `ONEBOX-GUEST-IP ${address}`);
    const yaml = await cli(['instances', 'show', 'cli1', '-o', 'yaml']);
    assert.equal(yaml.code, 0);
    assert.match(yaml.stdout, /^name: cli1$/m);
    assert.match(yaml.stdout, /^state: running$/m);
    const table = await cli(['instances', 'list']);
    assert.match(table.stdout, new RegExp(`^NAME +ID +STATE +CORES +MEMORY +ADDRESS +HOST\\ncli1 +ins_\\S+ +running +1 +128 MiB +${address.replaceAll('.', '\\.')} `));
    // The only host of the pool is the instance's own: listed, not a fit, with the scheduler's reason.
    const targets = await cli(['instances', 'migration-targets', 'cli1']);
    assert.equal(targets.code, 0, targets.stderr);
    assert.match(targets.stdout, new RegExp(`^HOST +ID +FITS +REASONS\\n\\S+ +${created.hostId} +no +its current host\\n$`));
    const targetsJson = await cliJson(['instances', 'migration-targets', 'cli1']);
    assert.deepEqual(targetsJson.map((t: Json) => [t.hostId, t.fits, t.reasons]), [[created.hostId, false, ['its current host']]]);
    const missing = await cli(['instances', 'migration-targets', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /instance_not_found/);
  });

  test('the serial console attaches in a pseudo-terminal, shows what the guest echoes, and Ctrl-] detaches and restores the terminal', async () => {
    const session = pty(['instances', 'console', 'cli1'], 'stty -a');
    try {
      await waitFor('the console to attach', 30_000, async () => session.out.includes('Connected to the serial console'));
      await waitFor('the marker echoed by the guest (once its shell runs)', 150_000, async () => {
        session.write('echo CLI-MARK-$((6*7))\r');
        await new Promise((r) => setTimeout(r, 1500));
        return session.out.includes('CLI-MARK-42');
      });
      session.write('\x1d');
      assert.equal(await session.exited, 0, session.out);
      const after = session.out.slice(session.out.indexOf('Detached.'));
      assert.match(after, /^Detached\./);
      assert.match(after, /[ ;]icanon /, 'canonical mode is back');
      assert.match(after, / echo /, 'echo is back');
    } finally {
      session.kill();
    }
  });

  test('stop waits for the guest; errors name the API code; delete --no-wait and operations watch', async () => {
    const stopped = await cliJson(['instances', 'stop', 'cli1']);
    assert.equal(stopped.state, 'stopped');
    const missing = await cli(['instances', 'show', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^onebox instances show: .*'nope'.* \(instance_not_found\)\n$/);
    const badNumber = await cli(['instances', 'create', 'x', '--image', 'mini', '--cores', 'many']);
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.stderr, /--cores must be a whole number, not 'many'/);
    const refused = await cli(['images', 'delete', 'mini']);
    assert.equal(refused.code, 1, 'an image in use is refused');
    assert.match(refused.stderr, /\(\w+\)\n$/);
    const started = await cliJson(['instances', 'start', 'cli1']);
    assert.equal(started.state, 'running');

    const queued = await cli(['instances', 'delete', 'cli1', '--no-wait']);
    assert.equal(queued.code, 0, queued.stderr);
    const opId = queued.stdout.trim();
    assert.match(opId, /^op_\S+$/);
    const onTerminal = pty(['operations', 'watch', opId]);
    assert.equal(await onTerminal.exited, 0, onTerminal.out);
    assert.match(onTerminal.out, /\[#{30}\] 100% /, 'the operation progress bar on a terminal');
    const watched = await cliJson(['operations', 'watch', opId]);
    assert.equal(watched.state, 'succeeded');
    const ops = await cliJson(['operations', 'list']);
    assert.ok(ops.some((o: Json) => o.id === opId));
    assert.deepEqual(await cliJson(['instances', 'list']), []);
  });

  test('create with data disks, cloud-init (password on stdin, key and user-data files), a host pin and a CPU priority; bad NIC and disk specs', async () => {
    const keys = join(configDir, 'keys.pub');
    writeFileSync(keys, '# team keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne alice@example\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyTwo bob@example\n');
    const userData = join(configDir, 'user-data');
    writeFileSync(userData, '#cloud-config\nruncmd: [echo hi]\n');
    const host = (await cliJson(['hosts', 'list']))[0] as Json;
    const args = ['instances', 'create', 'cli2', '--image', 'mini', '--memory', '128', '--disk', '1,fs=ext4,mount=/data', '--disk', '2G', '--password-stdin', '--ssh-key', keys, '--user-data', userData, '--host', host.name, '--cpu-priority', 'low', '--output', 'json'];
    const made = await cli(args, 'Cl0udInitPass\n');
    assert.equal(made.code, 0, made.stderr);
    const created = JSON.parse(made.stdout) as Json;
    assert.equal(created.hostId, host.id);
    assert.equal(created.qos.cpuPriority, 'low');
    assert.deepEqual(created.dataDisks.map((d: Json) => [d.sizeBytes / 2 ** 30, d.filesystem, d.mountPoint]), [[1, 'ext4', '/data'], [2, undefined, undefined]]);
    assert.deepEqual(created.cloudInit, { passwordSet: true, userDataSet: true, sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne alice@example', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyTwo bob@example'] });

    // A NIC spec reaches the API (which names the missing network); malformed specs are usage errors.
    const noNet = await cli(['instances', 'create', 'cli3', '--image', 'mini', '--network', 'nonet,ip=10.9.0.5', '--network', 'other']);
    assert.equal(noNet.code, 1, noNet.stderr);
    assert.match(noNet.stderr, /'nonet'.*\(network_not_found\)\n$/);
    const badKey = await cli(['instances', 'create', 'cli3', '--image', 'mini', '--network', 'lan,port=80']);
    assert.equal(badKey.code, 2);
    assert.match(badKey.stderr, /--network lan,port=80: 'port=80' is not one of ip=…, mac=…/);
    const badDisk = await cli(['instances', 'create', 'cli3', '--image', 'mini', '--disk', 'big']);
    assert.equal(badDisk.code, 2);
    assert.match(badDisk.stderr, /--disk big: the size must be a whole number of GiB/);
    const noKeyFile = await cli(['instances', 'create', 'cli3', '--image', 'mini', '--ssh-key', join(configDir, 'missing.pub')]);
    assert.equal(noKeyFile.code, 2);
    assert.match(noKeyFile.stderr, /cannot read .*missing\.pub: ENOENT/);
    const help = await cli(['instances', 'create', '--help']);
    assert.match(help.stdout, /--network NETWORK\[,ip=ADDR\]\[,mac=MAC\] +a NIC on that network.*\(repeatable/);

    const deleted = await cliJson(['instances', 'delete', 'cli2']);
    assert.equal(deleted.state, 'succeeded');
    assert.deepEqual(await cliJson(['instances', 'list']), []);
  });

  test('bash completion from the same table: commands, subcommands, flag values and names from the server', () => {
    const complete = (words: string[]) => {
      const script = `source <(${sh(BINARY)} completion bash)
complete -p onebox >/dev/null || exit 9
COMP_WORDS=(${words.map(sh).join(' ')}); COMP_CWORD=${words.length - 1}; _onebox; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const res = spawnSync('bash', ['-c', script], { env: { ...env(), PATH: `${join(BINARY, '..')}:${process.env.PATH}` }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(res.status, 0, res.stderr);
      return res.stdout.split('\n').filter(Boolean);
    };
    assert.deepEqual(complete(['onebox', 'ins']), ['instances']);
    assert.deepEqual(complete(['onebox', 'instances', 'st']), ['start', 'stop']);
    assert.deepEqual(complete(['onebox', 'instances', 'list', '--output', 'j']), ['json']);
    assert.deepEqual(complete(['onebox', 'instances', 'create', 'x', '--ima']), ['--image']);
    assert.deepEqual(complete(['onebox', 'images', 'delete', 'm']), ['mini']);
    assert.deepEqual(complete(['onebox', 'completion', '']), ['bash']);
  });

  test('service install: --dry-run prints the unit; without systemd nothing is written and the exit code is 5', async () => {
    const dry = await cli(['service', 'install', '--dry-run', '--data-dir', '/srv/onebox', '--port', '5871']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^ExecStart=${BINARY.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} serve --data-dir /srv/onebox --port 5871$`, 'm'));
    assert.match(dry.stdout, /^Restart=on-failure$/m);
    const bad = await cli(['service', 'install', '--port', 'x']);
    assert.equal(bad.code, 2);
    if (existsSync('/run/systemd/system')) return;
    const res = await cli(['service', 'install', '--data-dir', '/srv/onebox']);
    assert.equal(res.code, 5);
    assert.match(res.stderr, /systemd is not running on this machine.*nothing was written to \/etc\/systemd\/system\/onebox\.service/);
    assert.equal(existsSync('/etc/systemd/system/onebox.service'), false);
    assert.equal((await cli(['service', 'status'])).code, 5);
  });

  test('logout revokes the token and forgets it', async () => {
    const token = (JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as Json).token as string;
    const res = await cli(['logout']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(existsSync(join(configDir, 'config.json')), false);
    assert.equal((await server.call('GET', '/instances', { token })).status, 401);
    assert.equal((await cli(['hosts', 'list'])).code, 4);
  });

  test('login on a terminal asks to pin the certificate, then user and password (not echoed)', async () => {
    const session = pty(['login', server.origin]);
    try {
      await waitFor('the certificate question', 20_000, async () => session.out.includes('Pin this certificate and log in? [y/N]'));
      assert.ok(session.out.includes(`SHA256:${fingerprint}`), session.out);
      session.write('y\r');
      await waitFor('the username prompt', 10_000, async () => session.out.includes('Username: '));
      session.write(`${ADMIN.username}\r`);
      await waitFor('the password prompt', 10_000, async () => session.out.includes('Password: '));
      session.write(`${ADMIN.password}\r`);
      assert.equal(await session.exited, 0, session.out);
      assert.match(session.out, /Logged in to https:\/\/127\.0\.0\.1:\d+ as admin/);
      assert.ok(!session.out.includes(ADMIN.password), 'the password is not echoed');
      assert.equal((await cli(['hosts', 'list'])).code, 0);
    } finally {
      session.kill();
    }
  });
});
