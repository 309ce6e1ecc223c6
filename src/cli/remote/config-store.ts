/**
 * Where `onebox login` keeps what later commands need: the server URL, the pinned certificate
 * fingerprint and an API token, in `~/.config/onebox/config.json` (directory 0700, file 0600;
 * `$ONEBOX_CONFIG_DIR` overrides the directory).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './errors.js';

/** What is stored after a login. */
export interface CliConfig {
  /** `https://host:5870` (no path). */
  server: string;
  /** `SHA256:AB:…`; null for a plain-HTTP server (behind a TLS proxy). */
  fingerprint: string | null;
  token: string;
  tokenId: string;
  username: string;
}

/** The config directory: `$ONEBOX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/onebox`, else `~/.config/onebox`. */
export function configDir(env = process.env): string {
  if (env.ONEBOX_CONFIG_DIR) return env.ONEBOX_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'onebox');
}

/** The config file's path. */
export const configPath = (env = process.env) => join(configDir(env), 'config.json');

/** The stored login, or undefined when there is none. */
export function readConfig(env = process.env): CliConfig | undefined {
  let text: string;
  try {
    text = readFileSync(configPath(env), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CliConfig>;
    if (typeof parsed.server === 'string' && typeof parsed.token === 'string') return { fingerprint: null, tokenId: '', username: '', ...parsed } as CliConfig;
  } catch {
    // fall through
  }
  throw new CliError(`${configPath(env)} is not a onebox login file; delete it and run 'onebox login' again.`, 'config_invalid', EXIT.notLoggedIn);
}

/** The stored login, or a "log in first" error. */
export function requireConfig(env = process.env): CliConfig {
  const config = readConfig(env);
  if (!config) throw new CliError(`Not logged in: run 'onebox login https://HOST:5870' first (no ${configPath(env)}).`, 'not_logged_in', EXIT.notLoggedIn);
  return config;
}

/** Writes the login atomically, readable by the owner only. */
export function writeConfig(config: CliConfig, env = process.env): void {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.config.json.${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, configPath(env));
}

/** Forgets the login. */
export function deleteConfig(env = process.env): void {
  rmSync(configPath(env), { force: true });
}
