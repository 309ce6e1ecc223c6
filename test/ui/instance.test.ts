/**
 * Story: an instance's whole life in the browser, on a real TCG guest. Uploads the test image
 * with the progress bar, creates and starts an instance, sees frames on the noVNC canvas and
 * talks to the serial console (the create dialog formats its data disk: ext4 on /data, bad
 * mount points caught in the form), uploads an ISO and inserts and ejects it from the console
 * toolbar and the Overview, does the same behind a reverse proxy under a path prefix, then
 * stops and deletes the instance.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { axeViolations, canvasHasContent, charBoxesInTerminal, lightPixels, ROOT, serialRoundTrip, skipUi, startUi, terminalText, waitUntil, type Ui } from './fixture.js';
import { startReverseProxy, type ReverseProxy } from './reverse-proxy.js';

describe('browser UI: an instance from upload to delete', { skip: skipUi, timeout: 360_000 }, () => {
  let ui: Ui;
  let page: Page;
  let proxy: ReverseProxy | undefined;
  let imagePath: string;
  const isoPath = join(tmpdir(), `onebox-ui-${process.pid}.iso`);
  let instanceId = '';

  before(async () => {
    imagePath = await miniImagePath();
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(async () => {
    await proxy?.close();
    await ui?.close();
    rmSync(isoPath, { force: true });
  });

  test('upload the test image with a visible progress bar', async () => {
    await page.goto(ui.url('images'));
    await page.getByRole('heading', { name: 'Images' }).waitFor();
    // Throttle uploads (~8 MB/s) so the 13 MB image takes long enough for progress to show.
    const cdp = await ui.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * 1024 * 1024 });
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenPercents: string[] }).seenPercents = seen;
      new MutationObserver(() => {
        const t = document.querySelector('.upload-percent')?.textContent;
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    // The upload form, not the URL import beside it (which has a name field too).
    const uploadForm = page.getByRole('form', { name: 'Upload' });
    await uploadForm.locator('input[type=file]').setInputFiles(imagePath);
    await uploadForm.locator('input[name=name]').fill('mini');
    await uploadForm.locator('input[name=os]').fill('linux');
    await uploadForm.getByRole('button', { name: 'Upload' }).click();
    await page.locator('[data-testid=upload-progress] .progress').waitFor();
    await ui.shot('04-image-uploading');
    await page.locator('#images-table tr[data-name=mini]').waitFor({ timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const percents = await page.evaluate(() => (window as unknown as { seenPercents: string[] }).seenPercents);
    assert.ok(percents.some((p) => parseInt(p, 10) > 0 && parseInt(p, 10) < 100), `intermediate progress shown (saw ${percents.join(', ')})`);
    await ui.shot('05-images');
  });

  test('create an instance from the image (1 core, 256 MiB) and start it', async () => {
    await page.goto(ui.url('instances'));
    await page.getByRole('button', { name: 'New instance' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('input[name=name]').fill('ui-1');
    await dialog.locator('input[name=cores]').fill('1');
    await dialog.locator('input[name=memoryMiB]').fill('256');
    await dialog.locator('input[name=source][value=cloud-init]').check();
    await dialog.locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    // A weak cloud-init password is caught in the form, a good one goes to the guest's seed.
    await dialog.locator('input[name=ciPassword]').fill('weak');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('The password must have at least 8 characters.').waitFor();
    await dialog.locator('input[name=ciPassword]').fill('Guest1Pass');
    // A bad data-disk list is caught in the form; a good one becomes vdb.
    await dialog.locator('input[name=dataDisks]').fill('1, lots');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.field-error').first().waitFor();
    await dialog.locator('input[name=dataDisks]').fill('1');
    // The data disk's formatting: a mount point without a filesystem, then on a system directory, is caught in the form.
    const disk = dialog.getByRole('group', { name: 'Data disk 1 (1 GiB)' });
    await disk.locator('input[name="dataDisks.0.mountPoint"]').fill('/data');
    await disk.getByText('A mount point needs a filesystem (ext4 or xfs) to mount.').waitFor();
    await disk.locator('select[name="dataDisks.0.filesystem"]').selectOption('ext4');
    await disk.locator('input[name="dataDisks.0.mountPoint"]').fill('/etc');
    await disk.locator('.field-error', { hasText: 'system directory' }).waitFor();
    await disk.locator('input[name="dataDisks.0.mountPoint"]').fill('/data');
    await disk.locator('.field-error').waitFor({ state: 'detached' });
    assert.deepEqual(await axeViolations(page), [], 'the create dialog with a data disk passes axe');
    await ui.shot('06-create-dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/instances\/ins_/);
    instanceId = decodeURIComponent(page.url().split('#/instances/')[1].split('/')[0]);
    await page.locator('.page-title .badge-running').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('instance-data-disks').innerText(), /vdb 1(\.0)? GiB ext4 \/data/);
    assert.deepEqual((await ui.server.json('GET', `/instances/${instanceId}`)).dataDisks, [{ slot: 0, sizeBytes: 1024 ** 3, filesystem: 'ext4', mountPoint: '/data' }]);
    assert.match(await page.getByTestId('instance-cloud-init').innerText(), /password set · 0 SSH key/);
    await page.getByRole('button', { name: 'Reveal password' }).click();
    await page.locator('code.secret').waitFor();
    await ui.shot('07-instance');
    await page.goto(ui.url('instances'));
    await page.locator(`#instances-table tr[data-id="${instanceId}"][data-state=running]`).waitFor();
    await ui.shot('08-instances');

    // A refused request shows the API's sentence: a second instance with the same name.
    await page.getByRole('button', { name: 'New instance' }).click();
    await dialog.locator('input[name=name]').fill('ui-1');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.note-error').waitFor();
    assert.match(await dialog.locator('.note-error').innerText(), /ui-1/);
    await ui.shot('08-create-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('graphical console: noVNC draws the guest screen', async () => {
    await page.goto(ui.url(`instances/${instanceId}/console`));
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    await waitUntil('a non-blank noVNC canvas', 60_000, () => canvasHasContent(page));
    await ui.shot('09-vnc-console');
  });

  test('serial console: the guest boots to its marker and answers a command', async () => {
    await page.goto(ui.url(`instances/${instanceId}/serial`));
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    await waitUntil(`${MINI_GUEST_READY} on the serial console`, 150_000, async () => (await terminalText(page)).includes(MINI_GUEST_READY)).catch(async (err: Error) => {
      await ui.shot('10-serial-console-failed');
      const state = await page.evaluate(() => ({ terminals: document.querySelectorAll('.xterm').length, status: document.querySelector('.console-state')?.getAttribute('data-status') }));
      throw new Error(`${err.message} (${JSON.stringify(state)}; shown: ${(await terminalText(page)).slice(-300)})`);
    });
    await serialRoundTrip(page, 'echo hi$((6*7))', 'hi42');
    // The cloud-init seed from the create dialog reached the guest.
    await serialRoundTrip(page, 'echo host=$(hostname)', 'host=ui-1');
    await ui.shot('10-serial-console');
    // Underscores are drawn at 1× pixel ratio (the row height used to clip them).
    await serialRoundTrip(page, 'echo under_$((2*3))_score', 'under_6_score');
    const underscores = await charBoxesInTerminal(page, 'under_6_score', '_');
    assert.equal(underscores.length, 2);
    for (const box of underscores) assert.ok((await lightPixels(page, box)) >= 3, `an underscore at ${JSON.stringify(box)} is visible`);
  });

  test('ISO: upload it, insert it from the console toolbar, see it on the instance and media pages, eject it', async () => {
    execFileSync('genisoimage', ['-quiet', '-V', 'T', '-o', isoPath, join(ROOT, 'package.json')]);
    await page.goto(ui.url('media'));
    await page.locator('input[type=file]').setInputFiles(isoPath);
    await page.locator('input[name=name]').fill('tiny-iso');
    await page.getByRole('button', { name: 'Upload' }).click();
    const row = page.locator('#media-table tr[data-name=tiny-iso]');
    await row.waitFor({ timeout: 30_000 });

    await page.goto(ui.url(`instances/${instanceId}/console`));
    const bar = page.locator('.console-bar');
    assert.equal(await bar.getByRole('button', { name: 'Eject ISO' }).isDisabled(), true, 'nothing to eject yet');
    await bar.getByRole('button', { name: 'Insert ISO' }).click();
    const dialog = page.getByRole('dialog', { name: 'Insert an ISO into ui-1' });
    await dialog.locator('select[name=mediaId] option', { hasText: 'tiny-iso' }).waitFor({ state: 'attached' });
    await ui.shot('10a-insert-iso');
    await dialog.getByRole('button', { name: 'Insert' }).click();
    await dialog.waitFor({ state: 'detached' });
    await bar.getByRole('button', { name: 'Change ISO' }).waitFor();
    assert.equal(await bar.getByRole('button', { name: 'Eject ISO' }).isEnabled(), true);
    await ui.shot('10b-console-iso-inserted');

    await page.locator('.tabs a', { hasText: 'Overview' }).click();
    await page.locator('[data-testid=instance-iso]', { hasText: 'tiny-iso' }).waitFor();
    await ui.shot('10c-instance-iso');

    // The media page says where the ISO is inserted, and deleting it shows the API's refusal.
    await page.goto(ui.url('media'));
    await row.locator('td[data-col=insertedIn] a', { hasText: 'ui-1' }).waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete ISO tiny-iso?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.locator('.note-error', { hasText: /ui-1.*eject it first/ }).waitFor();
    await ui.shot('10d-media-in-use');
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(ui.url(`instances/${instanceId}`));
    await page.locator('.iso-row').getByRole('button', { name: 'Eject ISO' }).click();
    await page.locator('[data-testid=instance-iso]', { hasText: 'none' }).waitFor();
    await page.locator('.iso-row').getByRole('button', { name: 'Insert ISO' }).waitFor();
    assert.equal(await page.locator('.iso-row').getByRole('button', { name: 'Eject ISO' }).isDisabled(), true);
    await ui.shot('10e-instance-iso-ejected');
    await page.goto(ui.url('media'));
    await row.locator('td[data-col=insertedIn]', { hasText: '—' }).waitFor();
  });

  test('behind a reverse proxy under /prefix: login, instances and the serial console', async () => {
    const tls = (f: string) => readFileSync(join(ui.server.dataDir, 'tls', f), 'utf8');
    proxy = await startReverseProxy(ui.server.port, '/prefix', { cert: tls('server.pem'), key: tls('server-key.pem'), ca: tls('ca.pem') });
    await throughProxy(await ui.newPage(), proxy);
  });

  /** The prefix test's steps in a fresh browser context. */
  async function throughProxy(p: Page, rp: ReverseProxy): Promise<void> {
    await p.goto(`https://127.0.0.1:${rp.port}/prefix`);
    await p.waitForURL(`https://127.0.0.1:${rp.port}/prefix/`);
    await ui.login(p);
    await p.locator('.sidenav a', { hasText: 'Instances' }).click();
    await p.locator(`#instances-table tr[data-id="${instanceId}"]`).waitFor();
    await p.locator(`#instances-table tr[data-id="${instanceId}"] a`, { hasText: 'ui-1' }).click();
    await p.getByRole('link', { name: 'Serial console' }).click();
    await serialRoundTrip(p, 'echo via$((5*5))prefix', 'via25prefix');
    await ui.shot('14-prefix-serial', p);
    assert.ok(p.url().startsWith(`https://127.0.0.1:${rp.port}/prefix/#/instances/`), p.url());
    assert.ok(rp.seen.some((s) => s.startsWith('UPGRADE /prefix/api/v1/console/ws?token=')), 'the console websocket went through the proxy');
    // (The preload scanner may fetch /main.js for /prefix before the page's script moves it to /prefix/; nothing else may leave.)
    const outside = rp.seen.filter((s) => !s.includes(' /prefix') && !/ \/main\.(js|css)$/.test(s));
    assert.deepEqual(outside, [], 'every request stayed under /prefix');
  }

  test('power controls: one set of names everywhere, pause and resume, force actions ask first, Ctrl+Alt+Del says it was sent', async () => {
    /** Labels of the power buttons under `scope`, by action. */
    const labels = async (scope: string) =>
      Object.fromEntries(await page.locator(`${scope} button[data-action]`).evaluateAll((bs) => bs.map((b) => [b.getAttribute('data-action'), b.textContent?.trim()])));
    await page.goto(ui.url(`instances/${instanceId}/console`));
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    const header = await labels('.page-actions');
    const bar = await labels('.console-bar');
    await page.goto(ui.url('instances'));
    await page.locator(`#instances-table tr[data-id="${instanceId}"] button[data-action=stop]`).waitFor();
    const row = await labels(`#instances-table tr[data-id="${instanceId}"]`);
    for (const action of ['stop', 'reboot', 'pause', 'force-stop', 'reset']) {
      assert.ok(bar[action], `the console bar offers ${action}`);
      assert.equal(bar[action], header[action], `${action}: console bar and header`);
      assert.equal(row[action], header[action], `${action}: list and header`);
    }
    assert.equal(header.stop, 'Shut down');

    await page.goto(ui.url(`instances/${instanceId}/console`));
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    await page.locator('.console-bar button[data-tool=ctrl-alt-del]').click();
    await page.getByTestId('console-notice').getByText('Sent Ctrl+Alt+Del to ui-1.').waitFor();
    await ui.shot('16a-console-toolbar');

    for (const [action, title] of [['force-stop', 'Force stop ui-1?'], ['reset', 'Force reboot ui-1?']]) {
      await page.locator(`.page-actions button[data-action=${action}]`).click();
      const confirm = page.getByRole('dialog', { name: title });
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
    }
    assert.equal((await ui.server.json('GET', `/instances/${instanceId}`)).state, 'running', 'cancelled force actions did nothing');

    await page.locator('.page-actions button[data-action=pause]').click();
    await page.locator('.page-title .badge-paused').waitFor({ timeout: 30_000 });
    await ui.shot('16b-paused');
    await page.locator('.page-actions button[data-action=resume]').click();
    await page.locator('.page-title .badge-running').waitFor({ timeout: 30_000 });
  });

  test('graphical console tools: fit to window, extra keys, paste as keystrokes; the serial tab has the same toolbar', async () => {
    await page.goto(ui.url(`instances/${instanceId}/console`));
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    await waitUntil('a non-blank noVNC canvas', 60_000, () => canvasHasContent(page));
    assert.deepEqual(await axeViolations(page), [], 'axe on the live graphical console');
    const fit = page.locator('.console-bar button[data-tool=fit]');
    assert.equal(await fit.getAttribute('aria-pressed'), 'true');
    const nativeSize = () => page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('.vnc-screen canvas');
      return !!c && Math.abs(c.clientWidth - c.width) <= 1;
    });
    assert.equal(await nativeSize(), false, 'scaled to the window');
    await fit.click();
    await waitUntil('the guest screen at its own size', 5000, nativeSize);
    assert.equal(await fit.getAttribute('aria-pressed'), 'false');
    await fit.click();

    await page.locator('.console-bar [data-tool=keys] summary').click();
    await page.locator('.console-bar button[data-key=ctrl-c]').click();
    await page.getByTestId('console-notice').getByText('Sent Ctrl+C to ui-1.').waitFor();
    await page.locator('.console-bar [data-tool=keys] summary').click();

    await page.locator('.console-bar button[data-tool=paste]').click();
    const paste = page.getByRole('dialog', { name: 'Type text into ui-1' });
    await paste.locator('textarea[name=paste]').fill('echo Pasted-$((3*3)) > /dev/ttyS0');
    await ui.shot('16c-vnc-paste');
    await paste.getByRole('button', { name: 'Type it' }).click();
    await page.getByTestId('console-notice').getByText('Typed 33 characters into ui-1.').waitFor();
    // The line typed on the graphical console wrote to the serial port: the shift keys arrived too.
    await waitUntil('"Pasted-9" in the console log', 30_000, async () => (await (await ui.server.call('GET', `/instances/${instanceId}/console-log`)).text()).includes('Pasted-9'));

    await page.locator('.tabs a', { hasText: 'Serial console' }).click();
    const bar = page.locator('.console-bar');
    await bar.locator('button[data-action=stop]').waitFor();
    for (const control of ['Insert ISO', 'Shut down', 'Reboot', 'Force stop', 'Full screen'])
      assert.equal(await bar.getByRole('button', { name: control, exact: true }).count(), 1, `the serial toolbar has ${control}`);
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    assert.deepEqual(await axeViolations(page), [], 'axe on the live serial console');
    await ui.shot('16d-serial-toolbar');
  });

  test('stop the instance, then delete it with confirmation', async () => {
    await page.goto(ui.url(`instances/${instanceId}`));
    await page.locator('.page-actions button[data-action=stop]').click();
    await page.locator('.activity-item').first().waitFor();
    await ui.shot('15-stopping');
    try {
      await page.locator('.page-title .badge-stopped').waitFor({ timeout: 60_000 });
    } catch {
      await page.locator('.page-actions button[data-action=force-stop]').click(); // the guest ignored ACPI in time
      await page.getByRole('dialog').getByRole('button', { name: 'Force stop' }).click();
      await page.locator('.page-title .badge-stopped').waitFor({ timeout: 30_000 });
    }
    await page.locator('.tabs a', { hasText: /^Console$/ }).click();
    await page.locator('.console-off').waitFor();
    await ui.shot('15-console-off');
    await page.locator('.page-actions button[data-action=delete]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/#\/instances$/);
    await waitUntil('the instance to disappear', 60_000, async () => (await page.locator(`#instances-table tr[data-id="${instanceId}"]`).count()) === 0);
    await ui.shot('16-deleted');
    assert.deepEqual(ui.errors, [], 'no uncaught page errors');
  });
});
