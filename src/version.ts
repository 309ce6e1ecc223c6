/** The onebox version, baked in by build.mjs (`0.0.0-dev` when run from source). */
export const VERSION = process.env.ONEBOX_VERSION ?? '0.0.0-dev';

/** What `onebox version` prints: `onebox 0.x.y (node v24.…)`, naming the runtime (the embedded one in the executable). */
export function versionLine(): string {
  return `onebox ${VERSION} (node ${process.version})`;
}
