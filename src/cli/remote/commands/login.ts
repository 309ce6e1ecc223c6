/** `onebox login URL` and `onebox logout`: pin the server's certificate, trade a password for an API token, store it. */
import { hostname } from 'node:os';
import { ApiError } from '../../../shared/api-client.js';
import { configPath, deleteConfig, readConfig, requireConfig, writeConfig } from '../config-store.js';
import { connectTo, connectWith } from '../connect.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { normalizeFingerprint, probeFingerprint } from '../pinned-tls.js';
import { askHidden, askLine, askYes, canAsk, readStdin } from '../prompt.js';
import type { CommandContext, CommandSpec } from '../spec.js';

/** `https://host:port[/prefix]` of what the user typed (a bare host gets https and port 5870). */
export function serverUrl(text: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`'${text}' is not a server URL like https://host:5870`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`'${text}' must start with https:// (or http:// behind a TLS proxy)`);
  if (!/^[a-z]+:\/\/(\[[^\]]*\]|[^/:@]*):\d+/i.test(withScheme)) url.port = '5870';
  url.pathname = url.pathname.replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** The fingerprint to pin: the one given, the one pinned before for this server, or the user's yes. */
async function pinFingerprint(url: URL, given: string | undefined): Promise<string> {
  const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
  const actual = await probeFingerprint(target);
  if (given !== undefined) {
    const expected = normalizeFingerprint(given);
    if (!expected) throw new UsageError(`--fingerprint '${given}' is not a SHA-256 fingerprint like SHA256:AB:CD:… (64 hex digits)`);
    if (expected !== actual)
      throw new CliError(`The server's certificate is ${actual}, not ${expected} as given with --fingerprint: not logging in.`, 'certificate_mismatch', EXIT.connection);
    return actual;
  }
  const before = readConfig();
  if (before?.server === url.toString().replace(/\/$/, '') && before.fingerprint === actual) return actual;
  if (!canAsk())
    throw new UsageError(`the server's certificate is ${actual}; compare it with what 'onebox serve' printed and pass it with --fingerprint to pin it (no terminal to ask on)`);
  console.error(`The server's certificate has the SHA-256 fingerprint\n  ${actual}\nCompare it with the one 'onebox serve' printed at start.`);
  if (!(await askYes('Pin this certificate and log in?'))) throw new CliError('Not logged in: the certificate was not accepted.', 'certificate_not_accepted', EXIT.refused);
  return actual;
}

async function login(ctx: CommandContext): Promise<number> {
  const url = serverUrl(ctx.args.URL ?? '');
  const server = url.toString().replace(/\/$/, '');
  const fingerprint = url.protocol === 'https:' ? await pinFingerprint(url, ctx.flags.fingerprint as string | undefined) : null;
  if (!fingerprint) console.error(`Warning: ${server} is plain HTTP; use it only behind a TLS proxy on the same machine.`);
  const interactive = canAsk();
  const username = (ctx.flags.username as string | undefined) ?? (interactive ? await askLine('Username: ') : undefined);
  if (!username) throw new UsageError('--username is required when there is no terminal to ask on');
  let password: string;
  if (ctx.flags['password-stdin']) password = await readStdin();
  else if (interactive) password = await askHidden('Password: ');
  else throw new UsageError('give the password with --password-stdin when there is no terminal to ask on');

  const { client, transport, close } = connectTo(server, fingerprint);
  try {
    const session = await client.session.create({ username, password });
    transport.setCsrfToken(session.csrfToken);
    const token = await client.tokens.create({ name: `onebox CLI on ${hostname()}`.slice(0, 100) });
    await client.session.delete().catch(() => undefined);
    writeConfig({ server, fingerprint, token: token.token, tokenId: token.id, username: session.user.username });
  } finally {
    close();
  }
  ctx.say(`Logged in to ${server} as ${username}; the API token is in ${configPath()}.`);
  return EXIT.ok;
}

async function logout(ctx: CommandContext): Promise<number> {
  const config = requireConfig();
  const { client, close } = connectWith(config);
  try {
    if (config.tokenId) await client.tokens.delete(config.tokenId);
  } catch (err) {
    // A token that is already gone (revoked elsewhere) is fine: forget it anyway.
    if (!(err instanceof ApiError && (err.code === 'invalid_token' || err.code === 'api_token_not_found'))) throw err;
  } finally {
    close();
  }
  deleteConfig();
  ctx.say(`Logged out of ${config.server}; the token is revoked.`);
  return EXIT.ok;
}

/** The login commands of the table. */
export const LOGIN_COMMANDS: CommandSpec[] = [
  {
    name: 'login',
    summary: 'log in to a onebox server and store an API token for the other commands',
    args: [{ name: 'URL' }],
    flags: [
      { name: 'username', type: 'string', placeholder: 'NAME', help: 'the user (asked on a terminal when missing)' },
      { name: 'password-stdin', type: 'boolean', help: 'read the password from stdin (for scripts)' },
      { name: 'fingerprint', type: 'string', placeholder: 'SHA256:…', help: "pin this certificate fingerprint without asking (as 'onebox serve' printed it)" },
    ],
    details: `Shows the server certificate's SHA-256 fingerprint and asks before pinning it (first use), or pins
the one given with --fingerprint; a different certificate is refused, now and on every later command.
Stores the server, the fingerprint and a new API token in ${'$ONEBOX_CONFIG_DIR'} or ~/.config/onebox/config.json (mode 0600).`,
    run: login,
  },
  { name: 'logout', summary: 'revoke the stored API token and forget the login', run: logout },
];
