/**
 * The peer side of a host agent: an HTTP server that carries every HostAgent method to an
 * agent of this machine. Routes:
 *   POST /agent/call/<group>/<method>   JSON {args} → NDJSON progress lines, then {result} or {error}
 *   PUT  /agent/artifacts               body = the artifact's bytes, header x-onebox-artifact = its ref
 *   GET  /agent/consoles/<kind>/<name>  HTTP upgrade (onebox-console) to the raw console stream
 *   GET  /agent/logs/<instanceId>?max=N the console log's tail
 *   GET  /agent/builds/<buildId>        the bytes of an image built on the host
 *   GET  /agent/instance-files          a migrating instance's file (header x-onebox-instance-file names it)
 *   PUT  /agent/instance-files          body = that file's bytes, received into the instance's incoming directory
 *   GET  /agent/events?beat=MS          NDJSON: the connection state, then every AgentEvent, and the
 *                                       connection state again every MS (the peer → controller heartbeat)
 * With `tls` (a joined host) it is HTTPS that requires a client certificate signed by onebox's CA,
 * and only the controller's certificate may call (other hosts' certificates are refused).
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactRef } from '../agent-types.js';
import type { HostAgent } from '../host-agent.js';
import { CALLS, encodeError, INSTANCE_FILE_HEADER, WITH_PROGRESS, type CallLine, type InstanceFileHeader } from './protocol.js';

/** The upgrade protocol name of console streams. */
export const CONSOLE_UPGRADE = 'onebox-console';
const MAX_CALL_BODY = 4 * 1024 * 1024;

/** Mutual TLS of a joined host's agent endpoint (PEM). */
export interface PeerServerTls {
  certPem: string;
  keyPem: string;
  caPem: string;
  /** The common name of the only client certificate allowed to call (the controller's). */
  controllerName: string;
}

/** Options of {@link createPeerServer}. */
export interface PeerServerOptions {
  tls?: PeerServerTls;
  /** Called on every request the controller makes (the peer's view of the controller's heartbeat). */
  onCall?: () => void;
}

/** An HTTP server for `agent` (HTTPS with mutual TLS when `opts.tls`; not yet listening). */
export function createPeerServer(agent: HostAgent, opts: PeerServerOptions = {}): Server {
  const tls = opts.tls;
  const allowed = (req: IncomingMessage) => !tls || (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN === tls.controllerName;
  const listener: RequestListener = (req, res) => {
    if (!allowed(req)) {
      res.writeHead(403, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { name: 'Error', message: 'only the controller may call this host agent' } }));
    }
    opts.onCall?.();
    handle(agent, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: encodeError(err) }));
    });
  };
  const server: Server = tls
    ? (createHttpsServer({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, listener) as unknown as Server)
    : createServer(listener);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!allowed(req)) return void socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    void upgradeConsole(agent, req, socket, head);
  });
  return server;
}

async function handle(agent: HostAgent, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://peer');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (req.method === 'POST' && parts[0] === 'agent' && parts[1] === 'call' && parts.length === 4) return call(agent, parts[2], parts[3], req, res);
  if (req.method === 'PUT' && url.pathname === '/agent/artifacts') return receiveArtifact(agent, req, res);
  if (req.method === 'GET' && parts[0] === 'agent' && parts[1] === 'logs' && parts.length === 3) return sendLog(agent, parts[2], Number(url.searchParams.get('max') ?? 1048576), res);
  if (req.method === 'GET' && parts[0] === 'agent' && parts[1] === 'builds' && parts.length === 3) return sendStream(() => agent.volumes.openBuild(parts[2]), res);
  if (url.pathname === '/agent/instance-files' && (req.method === 'GET' || req.method === 'PUT')) return instanceFile(agent, req, res);
  if (req.method === 'GET' && url.pathname === '/agent/events') return streamEvents(agent, req, res, Number(url.searchParams.get('beat') ?? 0));
  if (req.method === 'GET' && url.pathname === '/agent/ping') return void res.end(JSON.stringify({ result: agent.host.isOnline() }));
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { name: 'Error', message: `no route ${req.method} ${url.pathname}` } }));
}

const line = (res: ServerResponse, value: CallLine | object) => res.write(`${JSON.stringify(value)}\n`);

async function call(agent: HostAgent, group: string, method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const known = (CALLS as Record<string, readonly string[]>)[group]?.includes(method);
  if (!known) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ error: { name: 'Error', message: `unknown call ${group}.${method}` } }));
  }
  // JSON turns an omitted (undefined) argument into null: turn it back.
  const args = ((JSON.parse((await readBody(req, MAX_CALL_BODY)).toString('utf8')) as { args?: unknown[] }).args ?? []).map((a) => (a === null ? undefined : a));
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  if (WITH_PROGRESS.has(`${group}.${method}`)) args.push((fraction: number) => line(res, { progress: fraction }));
  const target = (agent as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[group];
  try {
    line(res, { result: await target[method](...args) });
  } catch (err) {
    line(res, { error: encodeError(err) });
  }
  res.end();
}

async function receiveArtifact(agent: HostAgent, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ref = JSON.parse(req.headers['x-onebox-artifact']?.toString() ?? '{}') as ArtifactRef;
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  try {
    await agent.volumes.ensureArtifact(ref, { open: async () => req }, (fraction) => line(res, { progress: fraction }));
    line(res, { result: null });
  } catch (err) {
    req.resume(); // drain what the controller still sends
    line(res, { error: encodeError(err) });
  }
  res.end();
}

/** A migration's file: sent (GET) or received (PUT, answered with its size and SHA-256 as written). */
async function instanceFile(agent: HostAgent, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { instanceId, pool, file } = JSON.parse(req.headers[INSTANCE_FILE_HEADER]?.toString() ?? '{}') as InstanceFileHeader;
  if (req.method === 'GET') return sendStream(() => agent.volumes.openInstanceFile(instanceId, pool, file), res);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  try {
    line(res, { result: await agent.volumes.receiveInstanceFile(instanceId, pool, file, { open: async () => req }) });
  } catch (err) {
    req.resume(); // drain what the controller still sends
    line(res, { error: encodeError(err) });
  }
  res.end();
}

async function sendLog(agent: HostAgent, instanceId: string, max: number, res: ServerResponse): Promise<void> {
  return sendStream(() => agent.consoles.log(instanceId, max), res);
}

/** Sends a byte stream of the agent, or its error as JSON. */
async function sendStream(open: () => Promise<Readable>, res: ServerResponse): Promise<void> {
  try {
    const stream = await open();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    await pipeline(stream, res);
  } catch (err) {
    if (res.headersSent) return void res.destroy();
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: encodeError(err) }));
  }
}

function streamEvents(agent: HostAgent, req: IncomingMessage, res: ServerResponse, beatMs: number): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  line(res, { type: 'connection', online: agent.host.isOnline() });
  const off = agent.host.onEvent((event) => {
    if (!res.destroyed) line(res, event);
  });
  // The heartbeat: the connection state again and again (the client only acts on a change).
  const beat = beatMs >= 100 ? setInterval(() => !res.destroyed && line(res, { type: 'connection', online: agent.host.isOnline() }), beatMs) : undefined;
  const unsubscribe = () => {
    clearInterval(beat);
    off();
  };
  req.on('close', unsubscribe);
  // The controller going away mid-stream is the normal end of this route.
  req.on('error', unsubscribe);
  res.on('error', unsubscribe);
}

async function upgradeConsole(agent: HostAgent, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const parts = new URL(req.url ?? '/', 'http://peer').pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const kind = parts[2];
  if (parts[0] !== 'agent' || parts[1] !== 'consoles' || parts.length !== 4 || (kind !== 'vnc' && kind !== 'serial') || req.headers.upgrade !== CONSOLE_UPGRADE) {
    return void socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  }
  let stream: Duplex;
  try {
    stream = await agent.consoles.open(parts[3], kind);
  } catch (err) {
    const body = JSON.stringify({ error: encodeError(err) });
    return void socket.end(`HTTP/1.1 409 Conflict\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${CONSOLE_UPGRADE}\r\n\r\n`);
  if (head.length) stream.write(head);
  socket.pipe(stream).pipe(socket);
  const close = () => {
    stream.destroy();
    socket.destroy();
  };
  socket.once('close', close);
  stream.once('close', close);
  socket.on('error', close);
  stream.on('error', close);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) return req.destroy(new Error(`call body over ${max} bytes`));
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
