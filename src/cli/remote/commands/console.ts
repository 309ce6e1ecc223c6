/**
 * `onebox instances console NAME`: the serial console in this terminal, over the same websocket
 * the browser uses (a single-use console token, the pinned certificate, the API token). The
 * terminal is in raw mode while attached; Ctrl-] detaches and the terminal is restored.
 */
import { WebSocket } from 'ws';
import { EXIT } from '../errors.js';
import type { CommandContext } from '../spec.js';
import { CliError } from '../errors.js';

/** The byte Ctrl-] sends. */
export const DETACH_BYTE = 0x1d;

/** The websocket URL of a console ticket's relative path (`api/v1/console/ws?token=…`). */
export function consoleUrl(server: string, path: string): string {
  const url = new URL(path, server.endsWith('/') ? server : `${server}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Attaches stdin/stdout to the instance's serial console until Ctrl-], the console closing, or stdin ending. */
export async function attachConsole(ctx: CommandContext, name: string): Promise<number> {
  const conn = ctx.connection();
  const ticket = await conn.client.instances.consoleToken(name, 'serial');
  const ws = new WebSocket(consoleUrl(conn.server, ticket.path), { agent: conn.agent, headers: conn.token ? { authorization: `Bearer ${conn.token}` } : {} });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) =>
      reject(new CliError(`The console of '${name}' was refused (HTTP ${res.statusCode}, ${String(res.headers['x-problem-code'] ?? 'no code')}).`, String(res.headers['x-problem-code'] ?? 'console_refused'))),
    );
    ws.once('error', reject);
  });
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  process.stderr.write(`Connected to the serial console of '${name}'. Ctrl-] detaches.\r\n`);
  return new Promise<number>((resolve) => {
    let ended = false;
    const end = (line: string, code: number) => {
      if (ended) return;
      ended = true;
      stdin.off('data', onInput);
      stdin.off('end', onStdinEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write(`\r\n${line}\r\n`);
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
      resolve(code);
    };
    const onInput = (chunk: Buffer) => {
      const at = chunk.indexOf(DETACH_BYTE);
      if (at >= 0) {
        if (at > 0) ws.send(chunk.subarray(0, at));
        return end('Detached.', EXIT.ok);
      }
      ws.send(chunk);
    };
    // Without a terminal (a script piping input), the console stays attached after stdin ends, until it closes.
    const onStdinEnd = () => undefined;
    ws.on('message', (data: Buffer) => process.stdout.write(data));
    ws.once('close', (code, reason) => end(`The console closed (${code}${reason.length ? ` ${reason.toString()}` : ''}).`, code === 1000 ? EXIT.ok : EXIT.api));
    ws.once('error', (err) => end(`The console failed: ${err.message}`, EXIT.api));
    stdin.on('data', onInput);
    stdin.on('end', onStdinEnd);
    stdin.resume();
  });
}
