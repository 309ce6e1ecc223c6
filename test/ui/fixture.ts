/**
 * The shared fixture of the browser stories (one `*.test.ts` per story in test/ui): the real
 * executable on a temp data dir, Debian's chromium driven by playwright-core, page helpers,
 * and screenshots in test-artifacts/ui/. Every story starts its own server, so they run in any
 * order; the ones that need a running guest boot one (TCG) themselves. A story that touches
 * networking (`lab`) runs its server inside a lab of network namespaces (test/lab) with the lab's
 * own libvirtd, as the network system tests do; the browser still talks to it on 127.0.0.1.
 */
import { mkdirSync } from 'node:fs';
import { bundle, CHROMIUM, chromiumBrowser, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { ADMIN, OneboxServer, ROOT, type Json } from '../system/onebox-server.js';

export { ADMIN, ROOT };

export { CHROMIUM };
export const ARTIFACTS = join(ROOT, 'test-artifacts/ui');

/** The reason to skip the browser stories on this machine, or false (ONEBOX_REQUIRE_SYSTEM=1 turns a skip into a failure). */
export const skipUi: string | false = skipUnlessPresent(systemLibvirtd(), chromiumBrowser(), bundle());

/** The reason to skip the browser stories that run their server in a lab, or false. */
export const skipLabUi: string | false = skipUnlessPresent(chromiumBrowser(), bundle(), ...labRequirements());

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Options of {@link startUi}. */
export interface UiOptions {
  /** Create the admin through the API (default true); false leaves the first-run page to the story. */
  bootstrap?: boolean;
  /** The UI language remembered in the browser before the first page load ('en' unless given). */
  language?: 'en' | 'zh-CN';
  /**
   * Run the server inside a new lab of this name (test/lab/netns-lab.ts): `serve --host-netns`
   * with the lab's private libvirtd, so NAT networks and bridges never touch the root namespace.
   */
  lab?: string;
  /**
   * Delay every animation frame by this many ms, as on a busy machine. Effects wait for a frame,
   * so they then run after the renders that follow (a page removed before its effects ran).
   */
  slowFrames?: number;
  /** More flags for `serve` (e.g. a short `--usage-interval`); not with `lab`. */
  serveArgs?: string[];
}

/** Makes every animation frame of a context's pages come `ms` late. */
async function slowFrames(context: BrowserContext, ms: number): Promise<void> {
  await context.addInitScript((delay) => {
    const frame = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) => frame((time) => void window.setTimeout(() => cb(time), delay));
  }, ms);
}

/** One story's server, browser and page. */
export interface Ui {
  server: OneboxServer;
  /** The lab the server runs in (with `lab`). */
  lab?: Lab;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors (and Content-Security-Policy violations) of every page opened through this fixture. */
  errors: string[];
  /** The URL of a hash route: url('instances') → https://127.0.0.1:PORT/#/instances. */
  url(route?: string): string;
  /** A full-page screenshot as test-artifacts/ui/NAME.png. */
  shot(name: string, page?: Page): Promise<unknown>;
  /** Logs in on the login page as the admin. */
  login(page?: Page): Promise<void>;
  /** Logs out through the user menu, whatever the language. */
  logout(page?: Page): Promise<void>;
  /** A new browser context and page with the same settings (closed by close()). */
  newPage(options?: { language?: UiOptions['language']; viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

/** Remembers the UI language in a context before any page of it loads. */
async function rememberLanguage(context: BrowserContext, language: string): Promise<void> {
  await context.addInitScript((lang) => {
    try {
      if (!localStorage.getItem('onebox.language')) localStorage.setItem('onebox.language', lang);
    } catch {
      // storage denied: the UI falls back to the browser's language
    }
  }, language);
}

/** Starts the executable and the browser. */
export async function startUi(opts: UiOptions = {}): Promise<Ui> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const { server, lab, libvirtd } = await startServer(opts.lab, opts.serveArgs);
  let browser: Browser;
  try {
    if (opts.bootstrap !== false) await server.bootstrap();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (err) {
    await stopServer(server, libvirtd, lab);
    throw err;
  }
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  const open = async (language: string, viewport = { width: 1280, height: 800 }) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ignoreHTTPSErrors: true });
    contexts.push(context);
    await rememberLanguage(context, language);
    if (opts.slowFrames) await slowFrames(context, opts.slowFrames);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && /Content.Security.Policy/i.test(m.text()) && errors.push(m.text()));
    return { context, page };
  };
  const first = await open(opts.language ?? 'en');
  const ui: Ui = {
    server,
    lab,
    browser,
    context: first.context,
    page: first.page,
    errors,
    url: (route = '') => `${server.origin}/#/${route}`,
    shot: (name, page = first.page) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }),
    async login(page = first.page) {
      await page.locator('input[name=username]').fill(ADMIN.username);
      await page.locator('input[name=password]').fill(ADMIN.password);
      await page.locator('form button[type=submit]').click();
      await page.locator('.footer-user', { hasText: ADMIN.username }).waitFor();
    },
    async logout(page = first.page) {
      const menu = page.getByTestId('user-menu');
      await menu.locator('summary').click();
      await menu.locator('button').click();
      await page.locator('input[name=username]').waitFor();
    },
    async newPage(o = {}) {
      return (await open(o.language ?? opts.language ?? 'en', o.viewport)).page;
    },
    async close() {
      try {
        for (const c of contexts) await c.close().catch(() => undefined);
        await browser.close().catch(() => undefined);
      } finally {
        if (process.env.ONEBOX_KEEP_LOG) console.log(server.output);
        await stopServer(server, libvirtd, lab);
      }
    },
  };
  return ui;
}

/** The server: on the system libvirtd, or inside a new lab named `labName` with the lab's libvirtd. */
async function startServer(labName?: string, serveArgs: string[] = []): Promise<{ server: OneboxServer; lab?: Lab; libvirtd?: PrivateQemuLibvirtd }> {
  if (!labName) return { server: await OneboxServer.start(serveArgs) };
  const lab = await createLab(labName);
  try {
    const libvirtd = await lab.startLibvirtd();
    const server = await OneboxServer.start(['--host-netns', lab.hostNs], { socketPath: libvirtd.socketPath, uri: libvirtd.uri });
    return { server, lab, libvirtd };
  } catch (err) {
    await lab.close().catch(() => undefined);
    throw err;
  }
}

/** Stops the server (its domains go with it), then the lab's libvirtd and the lab, whatever fails first. */
async function stopServer(server: OneboxServer, libvirtd?: PrivateQemuLibvirtd, lab?: Lab): Promise<void> {
  try {
    await server.cleanup();
  } finally {
    try {
      await libvirtd?.stop();
    } finally {
      await lab?.close();
    }
  }
}

/** Polls `check` every 250 ms until it returns true; throws naming `what` after `ms`. */
export async function waitUntil(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Text currently shown by the xterm.js terminal (its DOM renderer's rows). */
export const terminalText = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.xterm-rows')].map((e) => e.innerText).join('\n')).catch(() => '');

/** Whether the noVNC canvas shows something other than one flat colour. */
export const canvasHasContent = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('.vnc-screen canvas');
    if (!canvas || canvas.width < 10 || canvas.height < 10) return false;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    if (!data) return false;
    const colours = new Set<number>();
    for (let i = 0; i < data.length && colours.size < 3; i += 4 * 97) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return colours.size >= 2;
  });

/** Types a command on the serial console and waits for `expect` to appear. */
export async function serialRoundTrip(page: Page, command: string, expect: string): Promise<void> {
  await page.locator('.console-state[data-status=connected]').waitFor({ timeout: 30_000 });
  await page.locator('.xterm').click();
  await page.keyboard.press('Enter');
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await waitUntil(`"${expect}" on the serial console`, 30_000, async () => (await terminalText(page)).includes(expect));
}

/** Gives the fixture's API client a token when the admin was created in the browser (as bootstrap() does after setup). */
export async function tokenForAdmin(server: OneboxServer): Promise<void> {
  const login = await server.call('POST', '/sessions', { json: ADMIN, token: null });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const { csrfToken } = (await login.json()) as Json;
  const res = await server.call('POST', '/tokens', { json: { name: 'ui-test' }, token: null, headers: { cookie, 'x-csrf-token': csrfToken } });
  server.token = ((await res.json()) as Json).token;
}

/** Uploads a disk image file through the API (faster than the form where the form is not the subject). */
export async function uploadImage(server: OneboxServer, path: string, name: string): Promise<Json> {
  const { openAsBlob } = await import('node:fs');
  const res = await server.call('POST', `/images?name=${encodeURIComponent(name)}`, { body: await openAsBlob(path), headers: { 'content-type': 'application/octet-stream' } });
  if (res.status !== 201) throw new Error(`image upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Json;
}

/** Creates an instance through the API (not started unless `start`) and waits for its create operation. */
export async function createInstance(server: OneboxServer, body: Json): Promise<Json> {
  const res = await server.call('POST', '/instances', { json: { cores: 1, memoryMiB: 128, ...body } });
  const op = await server.waitOperation(res.clone());
  if (op.state !== 'succeeded') throw new Error(`creating ${body.name} failed: ${op.errorDetail}`);
  return ((await res.json()) as Json).instance as Json;
}

/** A rectangle in CSS pixels of the page. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * How many pixels of `clip` (as the screen shows it) are light, on a scale where the xterm
 * background is dark: a drawn glyph has some, an empty or clipped cell none.
 */
export async function lightPixels(page: Page, clip: Box): Promise<number> {
  const png = await page.screenshot({ clip });
  return page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) return 0;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let light = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 3 * 110) light++;
    return light;
  }, [...png]);
}

/** The cells (column of the character, height of the row) of each `char` in the last terminal row containing `text` (xterm.js DOM renderer). */
export async function charBoxesInTerminal(page: Page, text: string, char: string): Promise<Box[]> {
  return page.evaluate(
    ({ text, char }) => {
      const rows = [...document.querySelectorAll<HTMLElement>('.xterm-rows > div')].filter((r) => (r.textContent ?? '').includes(text));
      const row = rows.at(-1);
      if (!row) return [];
      const rowBox = row.getBoundingClientRect();
      const boxes: Box[] = [];
      const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const value = node.nodeValue ?? '';
        for (let i = value.indexOf(char); i >= 0; i = value.indexOf(char, i + 1)) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const r = range.getBoundingClientRect();
          // The character's column, over the row's height: what the row clips is not there.
          boxes.push({ x: r.x, y: rowBox.top, width: r.width, height: rowBox.height });
        }
      }
      return boxes;
      type Box = { x: number; y: number; width: number; height: number };
    },
    { text, char },
  );
}

/** A serious or critical finding of axe-core: rule, impact and where. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core (from node_modules, injected with evaluate so the page's CSP does not apply and
 * nothing is downloaded) on the page as it is, and returns its serious and critical violations.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  if (!axeSource) {
    const { readFile } = await import('node:fs/promises');
    const { createRequire } = await import('node:module');
    axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  }
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`,
  )) as AxeFinding[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
