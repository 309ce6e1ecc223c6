/**
 * Story: compute pools and hosts. Create a pool, see the API's refusals (moving a host that has
 * an instance, deleting the default pool), switch scheduling off and on, delete the pool.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import { axeViolations, createInstance, skipUi, startUi, uploadImage, waitUntil, type Ui } from './fixture.js';

describe('browser UI: pools and hosts', { skip: skipUi, timeout: 180_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    // The host holds one (stopped) instance, so moving it to another pool is refused.
    const image = await uploadImage(ui.server, await miniImagePath(), 'mini');
    await createInstance(ui.server, { name: 'ui-1', disk: { source: 'image', imageId: image.id } });
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('pools and hosts: create a pool, refusals show the API sentence, disable the host, delete the pool', async () => {
    await page.goto(ui.url('pools'));
    await page.getByRole('button', { name: 'New pool' }).click();
    const dialog = page.getByRole('dialog', { name: 'New pool' });
    await dialog.locator('input[name=name]').fill('second');
    await dialog.locator('input[name=cpuOvercommit]').fill('8');
    await ui.shot('10f-pool-create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('#pools-table tr[data-name=second]');
    await row.waitFor();
    assert.match(await row.locator('td[data-col=overcommit]').innerText(), /8× \/ 1×/);
    await ui.shot('10g-pools');

    // Moving the host that runs ui-1 is refused; the select snaps back.
    await page.goto(ui.url('hosts'));
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
    await ui.shot('10h-hosts');
    await host.getByRole('switch').click();
    await host.locator('.switch', { hasText: 'Scheduling on' }).waitFor();
    // Add a server: a one-time join token, its command shown once (and a valid token listed, without its secret).
    await page.getByRole('button', { name: 'Add a server…' }).click();
    const joinDialog = page.getByRole('dialog', { name: 'Add a server' });
    const command = (await joinDialog.getByTestId('join-command').innerText()).trim();
    assert.match(command, /^onebox join https:\/\/\S+ --token \S+ --fingerprint SHA256:[0-9A-F:]{95}$/);
    const listed = (await ui.server.json('GET', '/join-tokens')).items as { state: string; token?: string }[];
    assert.deepEqual(listed.map((j) => [j.state, j.token]), [['valid', undefined]]);
    assert.deepEqual(await axeViolations(page), [], 'axe with the join dialog open');
    await ui.shot('10h2-add-server');
    await page.keyboard.press('Escape');
    await joinDialog.waitFor({ state: 'detached' });
    await host.locator('td[data-col=name] a').click();
    await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor();
    await page.locator('.usage-head', { hasText: 'Disk used' }).waitFor();
    await ui.shot('10i-host');

    // The default pool offers no Delete the server would refuse, neither in the list nor on its page.
    await page.goto(ui.url('pools'));
    const defaultRow = page.locator('#pools-table tr[data-name=default]');
    await defaultRow.getByTestId('default-pool').waitFor();
    assert.equal(await defaultRow.getByRole('button', { name: 'Delete' }).count(), 0);
    await defaultRow.locator('td[data-col=name] a').click();
    await page.getByRole('heading', { name: 'Pool default' }).waitFor();
    assert.equal(await page.locator('.page-actions').getByRole('button', { name: 'Delete' }).count(), 0);
    await page.goto(ui.url('pools'));
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete pool second?' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
  });

  test('a refusal names the host, not its id, and explains the overcommit in the words of the dashboard', async () => {
    const claim = /\d+ of \d+ vCPUs claimed — \d+ cores? × \d+ overcommit/;
    const hostName = (await ui.server.json('GET', '/hosts')).items[0].name as string;
    await page.goto(ui.url('instances'));
    await page.getByRole('button', { name: 'New instance' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    await dialog.locator('input[name=name]').fill('too-big');
    await dialog.locator('input[name=cores]').fill('64');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.getByRole('button', { name: 'Create' }).click();
    const refusal = await dialog.locator('.note-error').innerText();
    await ui.shot('pools-hosts-01-refusal');
    assert.doesNotMatch(refusal, /\b(host|pool|img)_[0-9a-z]{12}\b/, 'no internal id in the refusal');
    assert.ok(refusal.includes(`${hostName}: not enough`), refusal);
    assert.match(refusal, /can take 64 (vCPUs|cores)/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.locator('.sidenav a', { hasText: 'Dashboard' }).click();
    const dashboard = await page.getByTestId('vcpus-claimed').first().innerText();
    await ui.shot('pools-hosts-02-dashboard-claims');
    assert.equal(dashboard.match(claim)?.[0], refusal.match(claim)?.[0], `dashboard "${dashboard}" and refusal "${refusal}" say the same`);
  });

  test('pages show names while they load, and count in proper plurals', async () => {
    const instance = (await ui.server.json('GET', '/instances')).items[0];
    // Slow lookups: the instance page must not fall back to ids while they are on their way.
    await page.route(/\/api\/v1\/(hosts|pools|images)(\/[^/]*)?$/, async (route) => {
      await new Promise((r) => setTimeout(r, 3000));
      await route.continue().catch(() => undefined);
    });
    try {
      await page.goto(ui.url(`instances/${instance.id}`));
      const details = page.getByTestId('instance-details');
      await details.waitFor();
      for (let i = 0; i < 8; i++) {
        const text = await details.innerText();
        const ids = text.replace(instance.id, '').match(/\b(host|pool|img)_[0-9a-z]{12}\b/g);
        assert.equal(ids, null, `ids shown while loading: ${ids?.join(', ')}`);
        await page.waitForTimeout(250);
      }
      await details.getByRole('link', { name: 'default' }).waitFor({ timeout: 10_000 });
      assert.match(await details.innerText(), /1 vCPU · 128 MiB/);
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
    await page.goto(ui.url('pools/default'));
    const line = await page.getByTestId('pool-host-line').innerText();
    assert.match(line, /^1 instance · /, line);
    // One host: no CPU baseline yet, and the page says when one comes (test/system/pool-cpu.test.ts makes one).
    const cpu = await page.getByRole('region', { name: 'CPU model' }).innerText();
    assert.match(cpu, /No baseline yet: instances get the accelerator's default CPU\. One is computed when a second host joins the pool\./, cpu);
  });

  test("the host's last seen time moves while it is up", async () => {
    const host = (await ui.server.json('GET', '/hosts')).items[0];
    await page.goto(ui.url(`hosts/${host.id}`));
    const seen = page.getByTestId('host-last-seen');
    await seen.waitFor();
    const first = await seen.innerText();
    await waitUntil('"Last seen" to move', 30_000, async () => (await seen.innerText()) !== first);
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
