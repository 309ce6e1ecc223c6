/**
 * The guest agent on a real TCG mini guest through the real executable: guest-info shows the
 * hostname and OS its qemu-ga reports, set-guest-password changes root's /etc/shadow hash to
 * one of the new password (checked in the guest with mkpasswd and the stored salt) and `login`
 * on the serial console accepts it (and refuses another), and a stop
 * of a guest that ignores ACPI (its acpid killed on the serial console) ends through the agent's shutdown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { bootMiniGuest, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, sleep, waitFor, type Json } from './onebox-server.js';

/** An interactive session on an instance's serial console: type lines, wait for what the guest prints. */
async function serialSession(server: OneboxServer, id: string) {
  const ticket = await server.json('POST', `/instances/${id}/console-tokens`, { json: { kind: 'serial' } });
  const ws = new WebSocket(server.wsUrl(ticket.path), server.wsOptions());
  let output = '';
  ws.on('message', (data: Buffer) => (output += data.toString('utf8')));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    type: (line: string) => ws.send(Buffer.from(`${line}\n`)),
    /** Waits until the output since `from` matches; returns that output. */
    async expect(pattern: RegExp, from: number, timeoutMs = 60_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output.slice(from)) && Date.now() < deadline) await sleep(200);
      assert.match(output.slice(from), pattern, `the serial console never printed ${pattern}: ${output.slice(-400)}`);
      return output.slice(from);
    },
    get length() {
      return output.length;
    },
    close: () => ws.close(),
  };
}

describe('guest agent on a real guest: info, password, stop fallback', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  before(async () => {
    // The stop test waits out the ACPI grace before the agent is asked: 3 s, not the default 30.
    server = await OneboxServer.start(['--acpi-grace', '3']);
    await server.bootstrap();
    const image = await uploadMiniImage(server);
    inst = await bootMiniGuest(server, {
      name: 'agent-guest', memoryMiB: 160, disk: { source: 'image', imageId: image.id },
      cloudInit: {}, // a seed: the guest takes the instance's name as hostname
    });
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  /** 'yes' when root's /etc/shadow hash is the SHA-512 crypt of `password` with its own salt, else 'no'. */
  const shadowMatches = async (password: string) => {
    const line = `h=$(awk -F: '$1=="root"{print $2}' /etc/shadow); s=$(echo "$h" | cut -d'$' -f3); c=$(mkpasswd -m sha512 -S "$s" '${password}'); [ -n "$h" ] && [ "$c" = "$h" ] && r=yes || r=no; echo PWOK=$r`;
    const out = await server.serialRun(inst.id, line, /PWOK=(yes|no)\r?\n/, 60_000);
    const m = /PWOK=(yes|no)\r?\n/.exec(out);
    assert.ok(m, `the guest printed no PWOK: ${out.slice(-500)}`);
    return m[1];
  };

  test('guest-info: the agent is available and reports the hostname and the OS of the guest', async () => {
    let info: Json = {};
    await waitFor('the guest agent to answer', 120_000, async () => {
      info = await server.json('GET', `/instances/${inst.id}/guest-info`);
      return info.agent === 'available';
    });
    assert.equal(info.hostname, 'agent-guest');
    assert.equal(info.osName, 'onebox mini');
    assert.equal(info.osVersion, '1');
    assert.equal(info.osPrettyName, 'onebox mini OS (Debian kernel + busybox)');
    assert.match(info.kernelRelease, /^\d+\.\d+/);
    assert.equal(info.addresses.source, 'agent');
  });

  test("set-guest-password: root's shadow hash becomes the new password's", async () => {
    assert.equal(await shadowMatches('Guest-Pass-7'), 'no', 'not yet set');
    const res = await server.call('POST', `/instances/${inst.id}/actions/set-guest-password`, { json: { password: 'Guest-Pass-7' } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { username: 'root' });
    assert.equal(await shadowMatches('Guest-Pass-7'), 'yes');
    assert.equal(await shadowMatches('Other-Pass-8'), 'no', 'another password does not match');
    const unknown = await server.call('POST', `/instances/${inst.id}/actions/set-guest-password`, { json: { username: 'nobody', password: 'Guest-Pass-7' } });
    assert.deepEqual([unknown.status, ((await unknown.json()) as Json).code], [409, 'guest_password_refused']);
  });

  test('login on the serial console: the password set through the agent opens a root shell, another is refused', async () => {
    const tty = await serialSession(server, inst.id);
    try {
      // `login` asks for the password even from root's shell (busybox login on ttyS0, no securetty file).
      let mark = tty.length;
      tty.type('login root');
      await tty.expect(/Password:/, mark);
      mark = tty.length;
      tty.type('Other-Pass-8');
      await tty.expect(/Login incorrect/, mark);
      await tty.expect(/login: $/, mark, 30_000);
      mark = tty.length;
      tty.type('root');
      await tty.expect(/Password:/, mark);
      mark = tty.length;
      tty.type('Guest-Pass-7');
      // The shell login started answers; its parent is the console's first shell, not init (which is that shell's parent).
      await sleep(1000);
      tty.type('echo LOGGED-IN-$((6*7)) PARENT=$PPID');
      const out = await tty.expect(/LOGGED-IN-42 PARENT=\d+/, mark, 60_000);
      assert.notEqual(/LOGGED-IN-42 PARENT=(\d+)/.exec(out)?.[1], '1', 'the shell is the one login started');
      assert.doesNotMatch(out, /Login incorrect/);
      tty.type('exit');
    } finally {
      tty.close();
    }
  });

  test('stop: the guest ignores ACPI, the guest agent powers it off, and the operation says so', async () => {
    // The mini guest's acpid handles the power button; without it the guest ignores ACPI.
    await server.serialRun(inst.id, 'killall acpid; echo ACPIDS=$(pidof acpid | wc -w)', /ACPIDS=0\r?\n/);
    const res = await server.call('POST', `/instances/${inst.id}/actions/stop`);
    const op = await server.waitOperation(res, 180_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.message, 'Stopped through the guest agent after the guest ignored ACPI for 3 s');
    assert.equal((await server.json('GET', `/instances/${inst.id}`)).state, 'stopped');
    const log = await (await server.call('GET', `/instances/${inst.id}/console-log`)).text();
    assert.ok(!log.includes('onebox-mini: ACPI power button'), 'acpid did not handle the button');
    assert.ok(log.includes('onebox-mini: shutting down'), 'the guest shut down cleanly');
  });
});
