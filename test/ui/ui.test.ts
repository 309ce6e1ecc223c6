/**
 * The browser UI end to end, in headless Chromium driven by playwright-core: the real
 * executable, the real libvirtd and a TCG guest. Sets up the admin, logs in, uploads the test
 * image with the progress bar, creates and starts an instance, sees frames on the noVNC canvas
 * and talks to the serial console, uploads an ISO and inserts and ejects it from the console
 * toolbar and the Overview, creates and deletes a pool and moves and disables the host (with
 * the API's refusals shown), checks a narrow layout and the whole thing behind a reverse proxy
 * under a path prefix, then stops and deletes the instance. All of it over HTTPS with the
 * server's own certificate and its Content-Security-Policy (a CSP violation fails the test).
 * Screenshots land in test-artifacts/ui/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { bundle, CHROMIUM, chromiumBrowser, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { ADMIN, OneboxServer, ROOT } from '../system/onebox-server.js';
import { startReverseProxy, type ReverseProxy } from './reverse-proxy.js';

const ARTIFACTS = join(ROOT, 'test-artifacts/ui');
const skip = skipUnlessPresent(systemLibvirtd(), chromiumBrowser(), bundle());

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Text currently shown by the xterm.js terminal (its DOM renderer's rows). */
const terminalText = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.xterm-rows')].map((e) => e.innerText).join('\n')).catch(() => '');

/** Whether the noVNC canvas shows something other than one flat colour. */
const canvasHasContent = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('.vnc-screen canvas');
    if (!canvas || canvas.width < 10 || canvas.height < 10) return false;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    if (!data) return false;
    const colours = new Set<number>();
    for (let i = 0; i < data.length && colours.size < 3; i += 4 * 97) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return colours.size >= 2;
  });

/** Logs in on the login page. */
async function login(page: Page): Promise<void> {
  await page.locator('input[name=username]').fill(ADMIN.username);
  await page.locator('input[name=password]').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.footer-user', { hasText: ADMIN.username }).waitFor();
}

/** Types a command on the serial console and waits for `expect` to appear. */
async function serialRoundTrip(page: Page, command: string, expect: string): Promise<void> {
  await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
  await page.locator('.xterm').click();
  await page.keyboard.press('Enter');
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await waitUntil(`"${expect}" on the serial console`, 30_000, async () => (await terminalText(page)).includes(expect));
}

async function waitUntil(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

describe('browser UI', { skip, timeout: 360_000 }, () => {
  let server: OneboxServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let proxy: ReverseProxy | undefined;
  let imagePath: string;
  const isoPath = join(tmpdir(), `onebox-ui-${process.pid}.iso`);
  let instanceId = '';
  const errors: string[] = [];
  /** Uncaught page errors and Content-Security-Policy violations end up in `errors`. */
  const watchErrors = (p: Page) => {
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => m.type() === 'error' && /Content.Security.Policy/i.test(m.text()) && errors.push(m.text()));
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    imagePath = await miniImagePath();
    server = await OneboxServer.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
    page = await context.newPage();
    watchErrors(page);
  });
  after(async () => {
    try {
      await proxy?.close();
      await browser?.close();
    } finally {
      if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
      rmSync(isoPath, { force: true });
      await server?.cleanup();
    }
  });

  test('first visit: initial admin with the password rules checked while typing; logout; login', async () => {
    await page.goto(`${server.origin}/`);
    await page.getByRole('heading', { name: 'Welcome to onebox' }).waitFor();
    await page.locator('input[name=setupCode]').fill(server.setupCode());
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('password');
    await page.locator('.hint-weak').waitFor();
    assert.ok((await page.locator('.rules .rule-broken').count()) >= 2, 'digit and upper-case rules are shown as broken');
    await shot(page, '01-setup-weak-password');
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('input[name=repeat]').fill(ADMIN.password);
    assert.equal(await page.locator('.hint-weak').count(), 0);
    assert.equal(await page.locator('.rules .rule-broken').count(), 0);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.locator('.footer-user', { hasText: ADMIN.username }).waitFor();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.locator('.tile').first().waitFor();
    await shot(page, '02-dashboard');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('Wrong1234');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.note-error').waitFor();
    await shot(page, '03-login-failed');
    await page.reload();
    await login(page);
  });

  test('upload the test image with a visible progress bar', async () => {
    await page.goto(`${server.origin}/#/images`);
    await page.getByRole('heading', { name: 'Images' }).waitFor();
    // Throttle uploads (~8 MB/s) so the 13 MB image takes long enough for progress to show.
    const cdp = await context.newCDPSession(page);
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
    await page.locator('input[type=file]').setInputFiles(imagePath);
    await page.locator('input[name=name]').fill('mini');
    await page.locator('input[name=os]').fill('linux');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('[data-testid=upload-progress] .progress').waitFor();
    await shot(page, '04-image-uploading');
    await page.locator('#images-table tr[data-name=mini]').waitFor({ timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const percents = await page.evaluate(() => (window as unknown as { seenPercents: string[] }).seenPercents);
    assert.ok(percents.some((p) => parseInt(p, 10) > 0 && parseInt(p, 10) < 100), `intermediate progress shown (saw ${percents.join(', ')})`);
    await shot(page, '05-images');
  });

  test('create an instance from the image (1 core, 256 MiB) and start it', async () => {
    await page.goto(`${server.origin}/#/instances`);
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
    await shot(page, '06-create-dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/instances\/ins_/);
    instanceId = decodeURIComponent(page.url().split('#/instances/')[1].split('/')[0]);
    await page.locator('.page-title .badge-running').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('instance-data-disks').innerText(), /vdb 1(\.0)? GiB/);
    assert.match(await page.getByTestId('instance-cloud-init').innerText(), /password set · 0 SSH key/);
    await page.getByRole('button', { name: 'Reveal password' }).click();
    await page.locator('code.secret').waitFor();
    await shot(page, '07-instance');
    await page.goto(`${server.origin}/#/instances`);
    await page.locator(`#instances-table tr[data-id="${instanceId}"][data-state=running]`).waitFor();
    await shot(page, '08-instances');

    // A refused request shows the API's sentence: a second instance with the same name.
    await page.getByRole('button', { name: 'New instance' }).click();
    await dialog.locator('input[name=name]').fill('ui-1');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.note-error').waitFor();
    assert.match(await dialog.locator('.note-error').innerText(), /ui-1/);
    await shot(page, '08-create-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('graphical console: noVNC draws the guest screen', async () => {
    await page.goto(`${server.origin}/#/instances/${instanceId}/console`);
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    await waitUntil('a non-blank noVNC canvas', 60_000, () => canvasHasContent(page));
    await shot(page, '09-vnc-console');
  });

  test('serial console: the guest boots to its marker and answers a command', async () => {
    await page.goto(`${server.origin}/#/instances/${instanceId}/serial`);
    await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
    await waitUntil(`${MINI_GUEST_READY} on the serial console`, 150_000, async () => (await terminalText(page)).includes(MINI_GUEST_READY)).catch(async (err: Error) => {
      await shot(page, '10-serial-console-failed');
      const state = await page.evaluate(() => ({ terminals: document.querySelectorAll('.xterm').length, status: document.querySelector('.console-state')?.getAttribute('data-status') }));
      throw new Error(`${err.message} (${JSON.stringify(state)}; shown: ${(await terminalText(page)).slice(-300)})`);
    });
    await serialRoundTrip(page, 'echo hi$((6*7))', 'hi42');
    // The cloud-init seed from the create dialog reached the guest.
    await serialRoundTrip(page, 'echo host=$(hostname)', 'host=ui-1');
    await shot(page, '10-serial-console');
  });

  test('ISO: upload it, insert it from the console toolbar, see it on the instance and media pages, eject it', async () => {
    execFileSync('genisoimage', ['-quiet', '-V', 'T', '-o', isoPath, join(ROOT, 'package.json')]);
    await page.goto(`${server.origin}/#/media`);
    await page.locator('input[type=file]').setInputFiles(isoPath);
    await page.locator('input[name=name]').fill('tiny-iso');
    await page.getByRole('button', { name: 'Upload' }).click();
    const row = page.locator('#media-table tr[data-name=tiny-iso]');
    await row.waitFor({ timeout: 30_000 });

    await page.goto(`${server.origin}/#/instances/${instanceId}/console`);
    const bar = page.locator('.console-bar');
    assert.equal(await bar.getByRole('button', { name: 'Eject ISO' }).isDisabled(), true, 'nothing to eject yet');
    await bar.getByRole('button', { name: 'Insert ISO' }).click();
    const dialog = page.getByRole('dialog', { name: 'Insert an ISO into ui-1' });
    await dialog.locator('select[name=mediaId] option', { hasText: 'tiny-iso' }).waitFor({ state: 'attached' });
    await shot(page, '10a-insert-iso');
    await dialog.getByRole('button', { name: 'Insert' }).click();
    await dialog.waitFor({ state: 'detached' });
    await bar.getByRole('button', { name: 'Change ISO' }).waitFor();
    assert.equal(await bar.getByRole('button', { name: 'Eject ISO' }).isEnabled(), true);
    await shot(page, '10b-console-iso-inserted');

    await page.locator('.tabs a', { hasText: 'Overview' }).click();
    await page.locator('[data-testid=instance-iso]', { hasText: 'tiny-iso' }).waitFor();
    await shot(page, '10c-instance-iso');

    // The media page says where the ISO is inserted, and deleting it shows the API's refusal.
    await page.goto(`${server.origin}/#/media`);
    await row.locator('td[data-label="Inserted in"] a', { hasText: 'ui-1' }).waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete ISO tiny-iso?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.locator('.note-error', { hasText: /ui-1.*eject it first/ }).waitFor();
    await shot(page, '10d-media-in-use');
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`${server.origin}/#/instances/${instanceId}`);
    await page.locator('.iso-row').getByRole('button', { name: 'Eject ISO' }).click();
    await page.locator('[data-testid=instance-iso]', { hasText: 'none' }).waitFor();
    await page.locator('.iso-row').getByRole('button', { name: 'Insert ISO' }).waitFor();
    assert.equal(await page.locator('.iso-row').getByRole('button', { name: 'Eject ISO' }).isDisabled(), true);
    await shot(page, '10e-instance-iso-ejected');
    await page.goto(`${server.origin}/#/media`);
    await row.locator('td[data-label="Inserted in"]', { hasText: '—' }).waitFor();
  });

  test('pools and hosts: create a pool, refusals show the API sentence, disable the host, delete the pool', async () => {
    await page.goto(`${server.origin}/#/pools`);
    await page.getByRole('button', { name: 'New pool' }).click();
    const dialog = page.getByRole('dialog', { name: 'New pool' });
    await dialog.locator('input[name=name]').fill('second');
    await dialog.locator('input[name=cpuOvercommit]').fill('8');
    await shot(page, '10f-pool-create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('#pools-table tr[data-name=second]');
    await row.waitFor();
    assert.match(await row.locator('td[data-label=Overcommit]').innerText(), /8× \/ 1×/);
    await shot(page, '10g-pools');

    // Moving the host that runs ui-1 is refused; the select snaps back.
    await page.goto(`${server.origin}/#/hosts`);
    const host = page.locator('#hosts-table tbody tr').first();
    const select = host.locator('select[name=poolId]');
    await select.locator('option', { hasText: 'second' }).waitFor({ state: 'attached' });
    const before = await select.inputValue();
    await select.selectOption({ label: 'second' });
    await page.locator('.note-error', { hasText: /has 1 instance/ }).waitFor();
    assert.equal(await select.inputValue(), before);
    // Scheduling off and on again.
    await host.getByRole('switch').click();
    await host.locator('.switch', { hasText: 'Scheduling off' }).waitFor();
    await shot(page, '10h-hosts');
    await host.getByRole('switch').click();
    await host.locator('.switch', { hasText: 'Scheduling on' }).waitFor();
    await host.locator('td[data-label=Name] a').click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await page.locator('.usage-head', { hasText: 'Disk used' }).waitFor();
    await shot(page, '10i-host');

    await page.goto(`${server.origin}/#/pools`);
    await page.locator('#pools-table tr[data-name=default]').getByRole('button', { name: 'Delete' }).click();
    const refuse = page.getByRole('dialog', { name: 'Delete pool default?' });
    await refuse.getByRole('button', { name: 'Delete' }).click();
    await refuse.locator('.note-error', { hasText: 'The default pool cannot be deleted.' }).waitFor();
    await refuse.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete pool second?' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
  });

  test('other pages render; a narrow window has no horizontal overflow', async () => {
    for (const [route, heading] of [['hosts', 'Hosts'], ['pools', 'Pools'], ['media', 'Media'], ['dashboard', 'Dashboard']] as const) {
      await page.goto(`${server.origin}/#/${route}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.waitForTimeout(300);
      await shot(page, `11-${route}`);
    }
    await page.setViewportSize({ width: 400, height: 800 });
    for (const route of ['instances', 'dashboard', `instances/${instanceId}`, 'images', 'hosts', 'pools', 'media']) {
      await page.goto(`${server.origin}/#/${route}`);
      await page.locator('.footer-user').waitFor();
      await page.waitForTimeout(500);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      assert.ok(scrollWidth <= innerWidth, `#/${route} overflows at 400 px: scrollWidth ${scrollWidth} > ${innerWidth}`);
      await shot(page, `12-narrow-${route.startsWith('instances/') ? 'instance' : route}`);
    }
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.locator('.sidenav a', { hasText: 'Hosts' }).waitFor();
    await shot(page, '13-narrow-menu');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('behind a reverse proxy under /prefix: login, instances and the serial console', async () => {
    const tls = (f: string) => readFileSync(join(server.dataDir, 'tls', f), 'utf8');
    proxy = await startReverseProxy(server.port, '/prefix', { cert: tls('server.pem'), key: tls('server-key.pem'), ca: tls('ca.pem') });
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
    try {
      await throughProxy(await other.newPage(), proxy);
    } finally {
      await other.close();
    }
  });

  /** The prefix test's steps in a fresh browser context. */
  async function throughProxy(p: Page, rp: ReverseProxy): Promise<void> {
    watchErrors(p);
    await p.goto(`https://127.0.0.1:${rp.port}/prefix`);
    await p.waitForURL(`https://127.0.0.1:${rp.port}/prefix/`);
    await login(p);
    await p.locator('.sidenav a', { hasText: 'Instances' }).click();
    await p.locator(`#instances-table tr[data-id="${instanceId}"]`).waitFor();
    await p.locator(`#instances-table tr[data-id="${instanceId}"] a`, { hasText: 'ui-1' }).click();
    await p.getByRole('link', { name: 'Serial console' }).click();
    await serialRoundTrip(p, 'echo via$((5*5))prefix', 'via25prefix').catch(async (err: Error) => {
      await shot(p, '14-prefix-serial-failed');
      const state = await p.locator('.console-state').first().textContent().catch(() => null);
      throw new Error(`${err.message} (console state: ${state}; proxy saw: ${rp.seen.slice(-5).join(' | ')})`);
    });
    await shot(p, '14-prefix-serial');
    assert.ok(p.url().startsWith(`https://127.0.0.1:${rp.port}/prefix/#/instances/`), p.url());
    assert.ok(rp.seen.some((s) => s.startsWith('UPGRADE /prefix/api/v1/console/ws?token=')), 'the console websocket went through the proxy');
    // (The preload scanner may fetch /main.js for /prefix before the page's script moves it to /prefix/; nothing else may leave.)
    const outside = rp.seen.filter((s) => !s.includes(' /prefix') && !/ \/main\.(js|css)$/.test(s));
    assert.deepEqual(outside, [], 'every request stayed under /prefix');
  }

  test('stop the instance, then delete it with confirmation', async () => {
    await page.goto(`${server.origin}/#/instances/${instanceId}`);
    await page.locator('.page-actions button[data-action=stop]').click();
    await page.locator('.activity-item').first().waitFor();
    await shot(page, '15-stopping');
    try {
      await page.locator('.page-title .badge-stopped').waitFor({ timeout: 60_000 });
    } catch {
      await page.locator('.page-actions button[data-action=force-stop]').click(); // the guest ignored ACPI in time
      await page.locator('.page-title .badge-stopped').waitFor({ timeout: 30_000 });
    }
    await page.locator('.tabs a', { hasText: /^Console$/ }).click();
    await page.locator('.console-off').waitFor();
    await shot(page, '15-console-off');
    await page.locator('.page-actions button[data-action=delete]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/#\/instances$/);
    await waitUntil('the instance to disappear', 60_000, async () => (await page.locator(`#instances-table tr[data-id="${instanceId}"]`).count()) === 0);
    await shot(page, '16-deleted');
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });
});
