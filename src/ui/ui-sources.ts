/** For the UI's source tests (not part of the bundle): the files of the UI. */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = dirname(fileURLToPath(import.meta.url));

/** Every .ts/.tsx file of the UI except tests. */
export function uiSources(dir = ui): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return uiSources(p);
    return /\.tsx?$/.test(e) && !/\.test\.tsx?$/.test(e) && !e.endsWith('.d.ts') ? [p] : [];
  });
}
