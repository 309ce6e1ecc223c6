/**
 * Story: networks in the browser, with the server in a lab (NAT networks never start on the
 * system libvirtd). Create a NAT network with a lab subnet; create an address pool where a range
 * outside the subnet shows the problem as it is typed and the corrected one is accepted; give
 * the default compute pool that network and pool; create an instance with a fixed address (an
 * address outside the ranges is refused next to the field first), start it, and see its NIC
 * and, once the guest is up, the guest agent's addresses; the address pool shows the allocation;
 * deleting the network is refused with the API's sentence. Last, the host's "Make a bridge": the
 * dry run shows the plan, applying after the confirmation makes the bridge on the lab's uplink
 * (only in the lab's host namespace), and the NIC list then shows the uplink as its port. The
 * page's animation frames come late, as on a busy machine: a list page left by its create dialog
 * must not come back under the next page (its queued poll once did).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import type { Lab } from '../lab/netns-lab.js';
import type { Json } from '../system/onebox-server.js';
import { skipLabUi, startUi, uploadImage, waitUntil, type Ui } from './fixture.js';

describe('browser UI: networks, address pools and NICs, in a lab', { skip: skipLabUi, timeout: 420_000 }, () => {
  let ui: Ui;
  let page: Page;
  let lab: Lab;
  let instanceId = '';
  let poolId = '';

  before(async () => {
    const image = await miniImagePath();
    ui = await startUi({ lab: `uin-${process.pid}`, slowFrames: 100 });
    page = ui.page;
    lab = ui.lab!;
    await uploadImage(ui.server, image, 'mini');
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('a NAT network with a subnet of the lab, active on the host', async () => {
    await page.locator('.sidenav a', { hasText: 'Networks' }).click();
    await page.getByRole('heading', { name: 'Networks', exact: true }).waitFor();
    await page.getByRole('button', { name: 'New network' }).click();
    const dialog = page.getByRole('dialog', { name: 'New network' });
    await dialog.locator('input[name=name]').fill('natnet');
    await dialog.locator('input[name=subnet]').fill('10.0.0.0/8');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.field-error', { hasText: 'between /16 and /29' }).waitFor();
    await dialog.locator('input[name=subnet]').fill(`${lab.address(1, 0)}/24`);
    await ui.shot('net-01-network-create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/networks\/net_/);
    const details = page.getByTestId('network-details');
    await details.locator('[data-active=true]').waitFor({ timeout: 30_000 });
    assert.match(await details.innerText(), new RegExp(`${lab.address(1, 0)}/24[\\s\\S]*${lab.address(1, 1).replace(/\./g, '\\.')}`));
    await page.goto(ui.url('networks'));
    const row = page.locator('#networks-table tr[data-name=natnet]');
    await row.locator('[data-active=true]').waitFor();
    assert.equal(await row.locator('td[data-col=kind]').innerText(), 'NAT');
    await ui.shot('net-02-networks');
  });

  test('an address pool: a range outside the subnet shows the problem as it is typed, the corrected one is accepted', async () => {
    await page.locator('.sidenav a', { hasText: 'Address pools' }).click();
    await page.getByRole('button', { name: 'New address pool' }).click();
    const dialog = page.getByRole('dialog', { name: 'New address pool' });
    await dialog.locator('input[name=name]').fill('natpool');
    // The NAT network fixes the gateway (the host) and the prefix.
    assert.equal(await dialog.locator('input[name=gateway]').inputValue(), lab.address(1, 1));
    assert.equal(await dialog.locator('input[name="ranges.0.prefix"]').inputValue(), '24');
    await dialog.locator('input[name="ranges.0.start"]').fill(lab.address(2, 10));
    await dialog.locator('input[name="ranges.0.end"]').fill(lab.address(2, 19));
    const problem = dialog.getByTestId('range-error-0');
    await problem.waitFor();
    assert.match(await problem.innerText(), new RegExp(`The range ${lab.address(2, 10).replace(/\./g, '\\.')}–.* is outside`));
    await ui.shot('net-03-address-pool-problem');
    await dialog.locator('input[name="ranges.0.start"]').fill(lab.address(1, 10));
    await dialog.locator('input[name="ranges.0.end"]').fill(lab.address(1, 19));
    await problem.waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/address-pools\/apl_/);
    poolId = decodeURIComponent(page.url().split('/').pop() ?? '');
    const pool = await ui.server.json('GET', `/address-pools/${poolId}`);
    assert.deepEqual([pool.name, pool.gateway, pool.ranges], ['natpool', lab.address(1, 1), [{ start: lab.address(1, 10), end: lab.address(1, 19), prefix: 24 }]]);
    await page.getByTestId('address-pool-usage').locator('.usage-detail', { hasText: '0 of 10 addresses allocated' }).waitFor();
    // Both lists poll every 5 s: one left by its dialog before its effects ran came back here.
    await page.waitForTimeout(6_000);
    assert.deepEqual(await page.locator('main h1').allInnerTexts(), ['Address pool natpool'], 'only the new pool\'s page is shown');
    assert.equal(await page.locator('#networks-table, #address-pools-table').count(), 0, 'no list left behind');
  });

  test("the default compute pool's network and address pool", async () => {
    await page.goto(ui.url('pools/default'));
    const form = page.getByTestId('pool-network-form');
    await form.locator('select[name=network] option', { hasText: 'natnet' }).waitFor({ state: 'attached' });
    await form.locator('select[name=network]').selectOption({ label: 'natnet' });
    assert.match(await form.locator('select[name=addressPool] option:checked').innerText(), /^natpool/);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').waitFor();
    const pool = await ui.server.json('GET', '/pools/default');
    assert.deepEqual([pool.networkId !== null, pool.addressPoolId], [true, poolId]);
    await ui.shot('net-04-pool-network');
    await page.goto(ui.url('pools'));
    await page.locator('#pools-table tr[data-name=default] [data-testid=pool-network]', { hasText: 'natnet · natpool' }).waitFor();
  });

  test('an instance with a fixed address: refused outside the ranges next to the field, then created and started', async () => {
    await page.goto(ui.url('instances'));
    await page.getByRole('button', { name: 'New instance' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    await dialog.locator('select[name=nicNetwork] option', { hasText: "The pool's network (natnet)" }).waitFor({ state: 'attached' });
    await dialog.locator('input[name=name]').fill('web-1');
    await dialog.locator('input[name=memoryMiB]').fill('128');
    await dialog.locator('input[name=nicAddress]').fill(lab.address(1, 50));
    await dialog.getByRole('button', { name: 'Create' }).click();
    const refusal = dialog.locator('label.field', { has: page.locator('input[name=nicAddress]') }).locator('.field-error');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), new RegExp(`${lab.address(1, 50).replace(/\./g, '\\.')} lies outside every range of address pool 'natpool'`));
    await ui.shot('net-05-create-address-refused');
    await dialog.locator('input[name=nicAddress]').fill(lab.address(1, 15));
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/instances\/ins_/);
    instanceId = decodeURIComponent(page.url().split('/').pop() ?? '');
    const nic = page.locator(`#nics-table tr[data-address="${lab.address(1, 15)}"]`);
    await nic.waitFor();
    await nic.locator('td[data-col=network] a', { hasText: 'natnet' }).waitFor();
    await page.locator('.page-title .badge[data-state=running]').waitFor({ timeout: 60_000 });
    // Running: the NICs cannot change, and the page says why.
    assert.equal(await page.locator('button[data-action=add-nic]').isDisabled(), true);
    assert.match(await page.getByTestId('nics-locked').innerText(), /Stop the instance to add or remove NICs/);
  });

  test("the instance page shows the guest agent's addresses, including the fixed one", async () => {
    const guest = page.getByTestId('guest-addresses');
    // TCG: the mini guest boots and its agent answers within about a minute.
    await guest.locator(`.guest-address[data-address="${lab.address(1, 15)}"]`).waitFor({ timeout: 120_000 });
    await waitUntil('the addresses from the guest agent', 60_000, async () => (await guest.getAttribute('data-source')) === 'agent');
    await guest.locator(`.guest-address[data-address="${lab.address(1, 15)}"]`).waitFor();
    assert.match(await page.getByTestId('guest-source').innerText(), /guest agent/);
    await ui.shot('net-06-instance-nics');
    const inst = (await ui.server.json('GET', `/instances/${instanceId}`)) as Json;
    assert.equal(inst.address, lab.address(1, 15));
    await page.goto(ui.url('instances'));
    await page.locator(`#instances-table tr[data-name=web-1] td[data-col=address]`, { hasText: lab.address(1, 15) }).waitFor();
  });

  test('the address pool shows usage 1 and the allocation naming the instance; the network its lease', async () => {
    await page.goto(ui.url('address-pools'));
    const row = page.locator('#address-pools-table tr[data-name=natpool]');
    await row.locator('.usage-detail', { hasText: '1 of 10 addresses allocated' }).waitFor();
    assert.equal(await row.getByRole('meter').getAttribute('aria-valuenow'), '1');
    await ui.shot('net-07-address-pools');
    await row.locator('td[data-col=name] a').click();
    const allocation = page.locator(`#allocations-table tr[data-address="${lab.address(1, 15)}"]`);
    await allocation.waitFor();
    assert.equal(await allocation.getAttribute('data-instance'), 'web-1');
    await ui.shot('net-08-address-pool');
    await allocation.getByRole('link', { name: 'web-1' }).click();
    await page.waitForURL(new RegExp(`#/instances/${instanceId}`));
    await page.goto(ui.url('networks/natnet'));
    await page.locator(`#leases-table tr[data-ip="${lab.address(1, 15)}"]`, { hasText: 'web-1' }).waitFor({ timeout: 30_000 });
    await ui.shot('net-09-network-leases');
  });

  test('deleting the network is refused with the sentence', async () => {
    await page.goto(ui.url('networks'));
    await page.locator('#networks-table tr[data-name=natnet] button[data-action=delete]').click();
    const dialog = page.getByRole('dialog', { name: 'Delete network natnet?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^Network 'natnet' is used by 1 NIC, 1 address pool and 1 compute pool; remove those first\.$/);
    await ui.shot('net-10-network-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await ui.server.json('GET', '/networks')).items.length, 1);
  });

  test("the host's Make a bridge: the plan first, then the bridge on the lab's uplink after the confirmation", async () => {
    const links = async () => (await lab.exec(['ip', '-br', 'link'])).stdout;
    await page.locator('.sidenav a', { hasText: 'Hosts' }).click();
    await page.locator('#hosts-table a.strong').first().click();
    const uplink = page.locator(`#interfaces-table tr[data-name=${lab.uplink}]`);
    await uplink.locator('.badge', { hasText: 'default route' }).waitFor();
    await page.getByRole('button', { name: 'Make a bridge' }).click();
    const dialog = page.getByRole('dialog', { name: 'Make a bridge for bridged networking' });
    // The NIC carrying the default route is the one offered first.
    assert.equal(await dialog.locator('select[name=nic]').inputValue(), lab.uplink);
    assert.match(await dialog.locator('select[name=nic] option:checked').innerText(), new RegExp(`${lab.hostAddress.replace(/\./g, '\\.')}/24.*default route`));
    assert.equal(await dialog.locator('input[name=bridge]').inputValue(), 'br0');
    const apply = dialog.locator('button[data-action=apply]');
    assert.equal(await apply.isDisabled(), true, 'nothing to apply before the plan');
    await dialog.getByRole('button', { name: 'Show the plan' }).click();
    const plan = dialog.getByTestId('bridge-plan');
    await plan.waitFor();
    assert.match(await plan.innerText(), new RegExp(`default via ${lab.outAddress.replace(/\./g, '\\.')}`));
    assert.doesNotMatch(await links(), /^br0\b/m, 'the dry run changed nothing');
    assert.equal(await apply.isDisabled(), true, 'not without the confirmation');
    await dialog.locator('input[name=confirm]').check();
    await ui.shot('net-11-bridge-plan');
    await apply.click();
    const result = dialog.getByTestId('bridge-result');
    await result.waitFor({ timeout: 60_000 });
    assert.match(await result.innerText(), /The bridge br0 is made/);
    assert.match(await links(), /^br0\s+UP\b/m);
    assert.match((await lab.exec(['ip', '-br', 'link', 'show', 'master', 'br0'])).stdout, new RegExp(`^${lab.uplink}\\b`, 'm'));
    await ui.shot('net-12-bridge-made');
    await dialog.locator('.form-actions button', { hasText: 'Close' }).click();
    await page.locator(`#interfaces-table tr[data-name=${lab.uplink}][data-master=br0]`, { hasText: 'port of br0' }).waitFor();
    await page.locator('#interfaces-table tr[data-name=br0]', { hasText: 'default route' }).waitFor();
    await ui.shot('net-13-host-interfaces');
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
