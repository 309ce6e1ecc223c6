/** The onebox version, baked in by build.mjs (`0.0.0-dev` when run from source). */
export const VERSION = process.env.ONEBOX_VERSION ?? '0.0.0-dev';
