/**
 * Rules of the UI source that a reviewer would otherwise have to remember: effects come from
 * src/ui/hooks.ts (safe against the renderer's lost cleanups), and no API path is written
 * outside the typed client (src/shared/api-client.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uiSources } from './ui-sources.js';

const ui = dirname(fileURLToPath(import.meta.url));

test('effects come from hooks.ts, not from hono directly', () => {
  const offenders = uiSources()
    .filter((f) => !f.endsWith('/hooks.ts'))
    .filter((f) => /import\s*\{[^}]*\buse(Layout)?Effect\b[^}]*\}\s*from\s*'hono\/jsx(\/dom)?'/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ui, f));
  assert.deepEqual(offenders, []);
});

test('no API path outside the typed client', () => {
  const resource = /['"`](?:api\/v1\/|\/?api\/v1\b)|['"`](?:instances|images|media|hosts|pools|operations|sessions?|setup|tokens|networks|address-pools)\/(?:\$\{|[a-z])/;
  const offenders = uiSources()
    .filter((f) => !f.endsWith('/api.ts'))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => resource.test(line) && !/^\s*(\/\/|\*|\/\*\*)/.test(line))
        .map(([line, i]) => `${relative(ui, f)}:${i + 1}: ${line.trim()}`),
    );
  assert.deepEqual(offenders, []);
});
