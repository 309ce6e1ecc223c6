/**
 * Downloads an http(s) URL into a file: streamed, SHA-256 computed on the way, size-bounded,
 * resumed with a Range request from the bytes already written when the connection drops
 * (up to `retries` times; a server that ignores Range makes it start over), redirects
 * followed (at most 5, http(s) only). Unless `allowPrivate`, every address a name resolves
 * to (and every literal address) must be public: no loopback, link-local (cloud metadata at
 * 169.254.169.254), private LAN, CGNAT, multicast or unspecified targets (SSRF). The check
 * is done in the socket's own DNS lookup, so a name cannot resolve differently later.
 */
import { createHash, type Hash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { open } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UrlFetchError } from '../lib/storage-errors.js';

/** How to download. */
export interface FetchOptions {
  /** The file to create (it must not exist). */
  path: string;
  maxBytes: number;
  /** Allow loopback, link-local and private-network targets (off by default: SSRF). */
  allowPrivate: boolean;
  /** Resumptions after a dropped connection (default 5). */
  retries?: number;
  /** No byte for this long ends an attempt (default 30 s). */
  idleTimeoutMs?: number;
  /** Called as bytes arrive, with the total when the server said it. */
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
  /** Pause before a resumption, times the attempt number (default 500 ms). */
  retryDelayMs?: number;
  /** Aborting stops the download at once (no resumption): UrlFetchError('cancelled'). */
  signal?: AbortSignal;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** True for addresses a download must not reach by default (loopback, link-local, private, CGNAT, multicast, unspecified). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const refusedAddress = (host: string, address: string) =>
  new UrlFetchError('address_not_allowed', `'${host}' is ${address}, a loopback, link-local or private address; importing from such addresses is off (serve --image-import-allow-private).`);

/** A DNS lookup that refuses non-public answers (used by the socket itself). */
function guardedLookup(allowPrivate: boolean): NonNullable<RequestOptions['lookup']> {
  return ((hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = allowPrivate ? undefined : addresses.find((a) => isNonPublicAddress(a.address));
      if (bad) return callback(refusedAddress(hostname, bad.address), '');
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }) as NonNullable<RequestOptions['lookup']>;
}

/** Checks a URL before any connection: http(s), and a literal address must be public unless allowed. */
export function checkUrl(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlFetchError('bad_url', `Only http and https URLs can be imported, not '${url.protocol.replace(':', '')}'.`);
  if (url.username || url.password) throw new UrlFetchError('bad_url', 'The URL must not carry a user name or password.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && isNonPublicAddress(host)) throw refusedAddress(host, host);
  if (!allowPrivate && /^localhost\.?$/i.test(host)) throw refusedAddress(host, 'loopback');
}

/** One GET (following redirects) from byte `from`; resolves with the response once its status is known. */
async function get(url: URL, from: number, opts: FetchOptions, redirects = 0): Promise<IncomingMessage> {
  checkUrl(url, opts.allowPrivate);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { headers: { 'user-agent': 'onebox', ...(from > 0 ? { range: `bytes=${from}-` } : {}) }, lookup: guardedLookup(opts.allowPrivate), signal: opts.signal }, resolve);
    req.setTimeout(opts.idleTimeoutMs ?? 30_000, () => req.destroy(new Error('no data for too long')));
    req.on('error', reject);
    req.end();
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects >= 5) throw new UrlFetchError('too_many_redirects', `The URL redirected more than 5 times.`);
    return get(new URL(res.headers.location, url), from, opts, redirects + 1);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    const error = new UrlFetchError('http_status', `The server answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} for ${url.origin}${url.pathname}.`);
    // A server error may pass; anything else will not.
    if (status >= 500) throw Object.assign(new Error(error.message), { retryable: true });
    throw error;
  }
  return res;
}

/** How many received bytes a download gathers before writing them to its file. */
const WRITE_BLOCK_BYTES = 1024 * 1024;

/** Streams `url` into `opts.path`; returns its size and SHA-256. */
export async function fetchToFile(url: URL, opts: FetchOptions): Promise<{ sizeBytes: number; sha256: string }> {
  const out = await open(opts.path, 'wx', 0o600);
  let hash: Hash = createHash('sha256');
  let written = 0;
  let total: number | undefined;
  let failures = 0;
  const retries = opts.retries ?? 5;
  // Received (and hashed) bytes not yet in the file: written 1 MiB at a time, not one awaited
  // thread-pool write per 16-64 KiB chunk. `written` counts them; the file gets them before any retry.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const block = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    await out.write(block, 0, block.length, written - pendingBytes);
    pending = [];
    pendingBytes = 0;
  };
  try {
    for (;;) {
      try {
        const res = await get(url, written, opts);
        const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
        if (res.statusCode === 206 && range && Number(range[1]) === written) {
          total = range[2] === '*' ? total : Number(range[2]);
        } else {
          // A 200 (or a range we did not ask for) sends the whole file: start over.
          if (written > 0) {
            await out.truncate(0);
            hash = createHash('sha256');
            written = 0;
          }
          const length = res.headers['content-length'];
          total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        }
        if (total !== undefined && total > opts.maxBytes) {
          res.destroy();
          throw new UrlFetchError('too_large', `The file is ${total} bytes, more than the limit of ${opts.maxBytes}.`);
        }
        for await (const chunk of res as AsyncIterable<Buffer>) {
          if (written + chunk.length > opts.maxBytes) {
            res.destroy();
            throw new UrlFetchError('too_large', `The file is larger than the limit of ${opts.maxBytes} bytes.`, written);
          }
          hash.update(chunk);
          pending.push(chunk);
          pendingBytes += chunk.length;
          written += chunk.length;
          if (pendingBytes >= WRITE_BLOCK_BYTES) await flush();
          opts.onProgress?.(written, total);
        }
        await flush();
        if (total !== undefined && written < total) throw new Error(`the connection closed after ${written} of ${total} bytes`);
        break;
      } catch (err) {
        if (opts.signal?.aborted) throw new UrlFetchError('cancelled', `The download was cancelled after ${written} bytes.`, written);
        if (err instanceof UrlFetchError) throw err;
        await flush(); // what arrived before the drop is good: resume after it
        failures += 1;
        if (failures > retries)
          throw new UrlFetchError('interrupted', `The download stopped after ${written} bytes and ${retries} resumptions (${err instanceof Error ? err.message : String(err)}).`, written);
        await sleep((opts.retryDelayMs ?? 500) * failures, undefined, { signal: opts.signal }).catch(() => undefined);
      }
    }
  } finally {
    await out.close();
  }
  return { sizeBytes: written, sha256: hash.digest('hex') };
}
