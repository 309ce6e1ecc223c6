/**
 * The API client's transport for the CLI, on node:https with the {@link PinnedAgent} (or plain
 * node:http for a server behind a TLS proxy). Requests carry the API token; during `login` it
 * keeps the session cookie and CSRF token instead. Uploads stream a file-backed Blob and report
 * progress as bytes leave.
 */
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Transform } from 'node:stream';
import type { ApiTransport, TransportRequest, TransportResponse, UploadProgress } from '../../shared/api-client.js';

/** Options of {@link nodeTransport}. */
export interface NodeTransportOptions {
  /** `https://host:port`, or with a path prefix behind a proxy. */
  server: string;
  /** The agent that opens connections (pinned for HTTPS). */
  agent: HttpAgent;
  /** The API token, once there is one. */
  token?: string;
}

/** A transport that also holds a login session (cookie and CSRF token) until a token exists. */
export interface NodeTransport extends ApiTransport {
  /** Sets the CSRF token answered by POST /sessions. */
  setCsrfToken(token: string): void;
  /** Sets the API token used from now on. */
  setToken(token: string | undefined): void;
}

/** Reads a whole response body. */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

/** The transport for one server. */
export function nodeTransport(opts: NodeTransportOptions): NodeTransport {
  const base = new URL('api/v1/', opts.server.endsWith('/') ? opts.server : `${opts.server}/`);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  let token = opts.token;
  let cookie: string | undefined;
  let csrf: string | undefined;

  const headers = (): Record<string, string> => {
    if (token) return { authorization: `Bearer ${token}` };
    const h: Record<string, string> = {};
    if (cookie) h.cookie = cookie;
    if (csrf) h['x-csrf-token'] = csrf;
    return h;
  };

  /** Sends one request; `body` is written (or piped) as it comes. */
  function exchange(method: string, path: string, extra: Record<string, string>, body: string | Readable | undefined, abort?: AbortSignal): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const req = send(new URL(path, base), { method, agent: opts.agent, headers: { accept: 'application/json', ...headers(), ...extra }, signal: abort }, (res) => {
        const setCookie = res.headers['set-cookie']?.find((c) => /onebox_session=/.test(c));
        if (setCookie) cookie = setCookie.split(';')[0];
        const text = readBody(res);
        text.catch(() => undefined);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage, text: () => text });
      });
      req.once('error', reject);
      if (body instanceof Readable) {
        body.once('error', (err) => req.destroy(err));
        body.pipe(req);
      } else req.end(body);
    });
  }

  return {
    url: (path) => new URL(path, base).toString(),
    setCsrfToken: (t) => void (csrf = t),
    setToken: (t) => void (token = t),
    request(req: TransportRequest) {
      if (req.json === undefined) return exchange(req.method, req.path, {}, undefined);
      const body = JSON.stringify(req.json);
      return exchange(req.method, req.path, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
    },
    upload(path: string, blob: Blob, onProgress?: (p: UploadProgress) => void) {
      const abort = new AbortController();
      const started = Date.now();
      let loaded = 0;
      const report = () => onProgress?.({ loaded, total: blob.size, rate: loaded / Math.max(0.001, (Date.now() - started) / 1000) });
      const counter = new Transform({
        transform(chunk: Buffer, _enc, next) {
          loaded += chunk.length;
          report();
          next(null, chunk);
        },
      });
      const source = Readable.fromWeb(blob.stream() as import('node:stream/web').ReadableStream<Uint8Array>);
      source.once('error', (err) => counter.destroy(err));
      const done = exchange('POST', path, { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) }, source.pipe(counter), abort.signal);
      return { done, abort: () => abort.abort() };
    },
  };
}
