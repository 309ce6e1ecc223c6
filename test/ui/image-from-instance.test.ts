/**
 * Story: an image from an instance's page. On a stopped instance made from the mini image,
 * "Create image…" asks for a name (checked as you type), the build is followed in the activity
 * panel, and the new image appears on the images page; "Reset system disk" (an operation followed in the activity panel) asks first, saying
 * that data disks are kept and cloud-init runs again. Nothing boots: a stopped instance is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import { axeViolations, createInstance, skipUi, startUi, uploadImage, waitUntil, type Ui } from './fixture.js';

describe('browser UI: image from an instance', { skip: skipUi, timeout: 300_000 }, () => {
  let ui: Ui;
  let page: Page;
  let imagePath = '';
  before(async () => {
    imagePath = await miniImagePath();
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('create an image from a stopped instance; it appears on the images page', async () => {
    const mini = await uploadImage(ui.server, imagePath, 'mini');
    const inst = await createInstance(ui.server, { name: 'img-ui', disk: { source: 'image', imageId: mini.id } });
    await page.goto(ui.url(`instances/${inst.id}`));
    await page.locator('#disks-table tr[data-device=vda]').waitFor();

    await page.getByRole('button', { name: 'Reset system disk' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset the system disk of img-ui?' });
    await confirm.getByText(/Data disks are kept as they are\. cloud-init runs again/).waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Create image…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an image from img-ui' });
    await dialog.locator('input[name=name]').fill('');
    await dialog.getByText('The image needs a name.').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Create image' }).isDisabled(), true);
    await dialog.locator('input[name=name]').fill('golden-ui');
    await dialog.locator('input[name=description]').fill('made in the browser');
    await dialog.locator('input[name=osType]').fill('mini');
    assert.deepEqual(await axeViolations(page), [], 'the Create image dialog passes axe');
    await ui.shot('image-from-instance-01-dialog');
    await dialog.getByRole('button', { name: 'Create image' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Create image golden-ui from img-ui').first().waitFor();
    await waitUntil('the image to be listed', 120_000, async () => ((await ui.server.json('GET', '/images')).items as { name: string }[]).some((i) => i.name === 'golden-ui'));

    await page.goto(ui.url('images'));
    const row = page.locator('#images-table tr[data-name=golden-ui]');
    await row.waitFor();
    assert.match(await row.innerText(), /mini/);
    await ui.shot('image-from-instance-02-listed');

    // The reset itself runs as an operation, followed in the activity panel.
    await page.goto(ui.url(`instances/${inst.id}`));
    await page.getByRole('button', { name: 'Reset system disk' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset the system disk of img-ui?' });
    await reset.getByRole('button', { name: 'Reset system disk' }).click();
    await reset.waitFor({ state: 'detached' });
    await page.locator('.activity-item[data-state=succeeded]', { hasText: 'Reset the system disk of img-ui' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(ui.errors, []);
  });
});
