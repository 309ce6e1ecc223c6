/**
 * Story: an instance's snapshots from its page. A stopped instance gets two snapshots through
 * "Take snapshot…" (an empty or taken name is refused), the tree shows the second under the
 * first and marks it current; "Revert" to the first asks first and says later writes are
 * discarded; deleting the first (a branch point now) is refused with the API's sentence, deleting
 * the second is followed in the activity panel. Then "Include memory": unavailable while stopped
 * (the dialog says why); on a running instance the snapshot is followed in the activity panel and
 * listed with its memory, and its revert (allowed while running, unlike a disk-only one) says the
 * guest resumes running, which it does. A blank-disk instance is enough: no OS boots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, createInstance, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: snapshots of an instance', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  const row = (name: string) => page.locator(`#snapshots-table tr[data-name="${name}"]`);

  async function take(name: string, description: string): Promise<void> {
    await page.getByRole('button', { name: 'Take snapshot…' }).click();
    const dialog = page.getByRole('dialog', { name: /^Take a snapshot of / });
    const field = dialog.locator('input[name=name]');
    await field.fill('');
    await dialog.getByText('Give the snapshot a name.').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Take snapshot' }).isDisabled(), true, 'an empty name is refused as you type');
    await field.fill(name);
    await dialog.locator('input[name=description]').fill(description);
    await dialog.getByRole('button', { name: 'Take snapshot' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(name).waitFor();
  }

  test('stopped: take two, see the tree, revert to the first, delete one', async () => {
    const inst = await createInstance(ui.server, { name: 'snaps-ui', disk: { source: 'blank', sizeGiB: 1 } });
    await page.goto(ui.url(`instances/${inst.id}`));
    const panel = page.getByRole('region', { name: 'Snapshots' });
    await panel.getByText('No snapshots yet.').waitFor();

    await take('first', 'clean install');
    await take('second', 'after changes');
    assert.equal(await row('first').getAttribute('data-depth'), '0');
    assert.equal(await row('second').getAttribute('data-depth'), '1', 'the second sits under the first');
    assert.equal(await row('second').getAttribute('data-current'), 'true');
    assert.equal(await row('first').getAttribute('data-current'), 'false');
    assert.match(await row('second').innerText(), /current/);
    assert.match(await row('first').innerText(), /clean install/);
    await ui.shot('snapshots-01-tree');

    // A taken name is refused by the server, next to the field.
    await page.getByRole('button', { name: 'Take snapshot…' }).click();
    const again = page.getByRole('dialog', { name: /^Take a snapshot of / });
    await again.locator('input[name=name]').fill('first');
    await again.getByRole('button', { name: 'Take snapshot' }).click();
    await again.getByText('Another snapshot of this instance has this name.').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the Take snapshot dialog passes axe');
    await again.getByRole('button', { name: 'Cancel' }).click();
    await again.waitFor({ state: 'detached' });

    await row('first').getByRole('button', { name: 'Revert' }).click();
    const revert = page.getByRole('dialog', { name: 'Revert to snapshot first?' });
    assert.match(await revert.innerText(), /Everything written since the current snapshot is discarded/);
    await revert.getByRole('button', { name: 'Revert' }).click();
    await revert.waitFor({ state: 'detached' });
    await page.locator('#snapshots-table tr[data-name="first"][data-current="true"]').waitFor();
    assert.equal(await row('second').getAttribute('data-current'), 'false');
    const listed = await ui.server.json('GET', `/instances/${inst.id}/snapshots`);
    assert.deepEqual(listed.items.map((s: { name: string; current: boolean }) => [s.name, s.current]), [['first', true], ['second', false]]);
    await ui.shot('snapshots-02-reverted');

    // The first is now a branch point (the second and the current disks sit on it): refused with its sentence.
    await row('first').getByRole('button', { name: 'Delete' }).click();
    const refuse = page.getByRole('dialog', { name: 'Delete snapshot first?' });
    await refuse.getByRole('button', { name: 'Delete' }).click();
    await refuse.getByText(/Snapshot 'first' of instance 'snaps-ui' is a branch point/).waitFor();
    await refuse.getByRole('button', { name: 'Cancel' }).click();

    await row('second').getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: 'Delete snapshot second?' });
    await del.getByRole('button', { name: 'Delete' }).click();
    await del.waitFor({ state: 'detached' });
    await page.locator('.activity-item', { hasText: 'Delete snapshot second of snaps-ui' }).waitFor();
    await row('second').waitFor({ state: 'detached', timeout: 60_000 });
    await row('first').waitFor();
    const left = await ui.server.json('GET', `/instances/${inst.id}/snapshots`);
    assert.deepEqual(left.items.map((s: { name: string }) => s.name), ['first']);
    await ui.shot('snapshots-03-deleted');

    assert.deepEqual(ui.errors, []);
  });

  test('Include memory: refused while stopped; running, followed as an operation, listed with memory; its revert says the guest resumes', async () => {
    const inst = await createInstance(ui.server, { name: 'memsnap-ui', disk: { source: 'blank', sizeGiB: 1 } });
    await page.goto(ui.url(`instances/${inst.id}`));
    const panel = page.getByRole('region', { name: 'Snapshots' });
    await panel.getByText('No snapshots yet.').waitFor();
    await page.getByRole('button', { name: 'Take snapshot…' }).click();
    let dialog = page.getByRole('dialog', { name: /^Take a snapshot of / });
    const memory = dialog.getByRole('checkbox', { name: 'Include memory' });
    assert.equal(await memory.isDisabled(), true, 'a stopped guest has no memory to save');
    await dialog.getByText('Only a running guest has memory to save.').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    assert.equal((await ui.server.call('POST', `/instances/${inst.id}/actions/start`)).status, 200);
    await page.reload();
    await take('disk-only', 'no memory');
    await page.getByRole('button', { name: 'Take snapshot…' }).click();
    dialog = page.getByRole('dialog', { name: /^Take a snapshot of / });
    await dialog.locator('input[name=name]').fill('with-memory');
    await dialog.getByRole('checkbox', { name: 'Include memory' }).check();
    await dialog.getByText(/reverting resumes it running right where it was/).waitFor();
    await dialog.getByRole('button', { name: 'Take snapshot' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.activity-item', { hasText: 'Snapshot with-memory of memsnap-ui with memory' }).waitFor();
    await page.locator('#snapshots-table tr[data-name="with-memory"][data-memory="true"][data-current="true"]').waitFor({ timeout: 60_000 });
    assert.match(await row('with-memory').getByTestId('snapshot-memory').innerText(), /^saved \(\d/);
    assert.equal(await row('disk-only').getAttribute('data-memory'), 'false');
    await ui.shot('snapshots-04-memory');

    assert.equal(await row('disk-only').getByRole('button', { name: 'Revert' }).isDisabled(), true, 'a disk-only snapshot reverts only when stopped');
    await row('with-memory').getByRole('button', { name: 'Revert' }).click();
    const revert = page.getByRole('dialog', { name: 'Revert to snapshot with-memory?' });
    assert.match(await revert.innerText(), /the guest resumes running in the saved state \(no reboot\)/);
    await revert.getByRole('button', { name: 'Revert' }).click();
    await revert.waitFor({ state: 'detached', timeout: 60_000 });
    const after = await ui.server.json('GET', `/instances/${inst.id}`);
    assert.equal(after.state, 'running', 'the guest resumed running');
    const listed = await ui.server.json('GET', `/instances/${inst.id}/snapshots`);
    assert.deepEqual(listed.items.map((s: { name: string; memory: boolean; current: boolean }) => [s.name, s.memory, s.current]), [['disk-only', false, false], ['with-memory', true, true]]);
    assert.deepEqual(ui.errors, []);
  });
});
