import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createCertificateAuthority, issueCertificate } from '../lib/tls-ca.js';
import { startHttpServer } from './http-server.js';

// One TLS server on one port; plain HTTP to the same port is redirected, TLS is served as before.
let server: ServerType;
let port = 0;
let caPem = '';
before(async () => {
  const ca = await createCertificateAuthority('test CA');
  const cert = await issueCertificate(ca, { commonName: 'localhost', altNames: ['127.0.0.1', 'localhost'], usage: 'server', validityDays: 1 });
  caPem = ca.certPem;
  const app = new Hono().get('/hello', (c) => c.text('over tls'));
  server = startHttpServer({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', tls: cert, allowsHost: (h) => h === `127.0.0.1:${port}`, idleTimeoutMs: 2_000 });
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

function plainGet(path: string, host?: string): Promise<{ status?: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', path, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('plain HTTP on the TLS port is redirected to https on the same host, path kept', async () => {
  const res = await plainGet('/instances?x=1');
  assert.equal(res.status, 308);
  assert.equal(res.location, `https://127.0.0.1:${port}/instances?x=1`);
  assert.match(res.body, /HTTPS only/);
});

test('a Host the server does not answer to gets 400, never a redirect to it', async () => {
  const res = await plainGet('/', 'evil.example:80');
  assert.deepEqual([res.status, res.location], [400, undefined]);
});

test('TLS on the same port is served as before', async () => {
  const body = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest({ port, host: '127.0.0.1', path: '/hello', ca: caPem }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(body, 'over tls');
});

test('a client that connects and resets or says nothing does not take the server down', async () => {
  const reset = connect(port, '127.0.0.1');
  await new Promise((r) => reset.once('connect', r));
  reset.resetAndDestroy();
  const silent = connect(port, '127.0.0.1');
  const closed = new Promise((r) => silent.once('close', r));
  await closed; // the idle timeout (2 s here) closes it
  assert.equal((await plainGet('/')).status, 308);
});
