import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { joinTokens } from '../../db/schema.js';
import { createCertificateAuthority, createCsr } from '../../lib/tls-ca.js';
import type { Host } from '../../services/hosts.js';
import { startTestApi, type TestApi } from '../test-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const facts = { hostname: 'peer-one', cpus: 2, memoryMiB: 2048, accel: 'tcg' as const };

describe('join tokens and joining', () => {
  let api: TestApi;
  let caPem: string;
  const joined: Host[] = [];
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    const ca = await createCertificateAuthority('test CA');
    caPem = ca.certPem;
    api.services.join.configure({ ca, fingerprint: 'AB:CD', url: 'https://10.0.0.1:5870', onJoined: (h) => joined.push(h) });
  });
  after(() => api.close());
  const json = async (res: Response) => (await res.json()) as Json;
  const join = async (token: string, csr?: string) =>
    api.call('POST', '/api/v1/join', { token: null, json: { token, csr: csr ?? (await createCsr('joiner')).csrPem, advertise: 'https://10.0.0.2:5871', facts } });

  test('a token is shown once with the fingerprint and the command; the list has no secret', async () => {
    const res = await api.call('POST', '/api/v1/join-tokens', { json: {} });
    assert.equal(res.status, 201);
    const made = await json(res);
    assert.match(made.token, /^obj_/);
    assert.equal(made.fingerprint, 'SHA256:AB:CD');
    assert.equal(made.command, `onebox join https://10.0.0.1:5870 --token ${made.token} --fingerprint SHA256:AB:CD`);
    const inOneHour = Date.parse(made.expiresAt) - Date.now();
    assert.ok(inOneHour > 59 * 60_000 && inOneHour <= 60 * 60_000, `default expiry one hour, got ${made.expiresAt}`);
    const list = await json(await api.call('GET', '/api/v1/join-tokens'));
    const listed = list.items.find((t: Json) => t.id === made.id);
    assert.equal(listed.state, 'valid');
    assert.equal(listed.token, undefined);
    assert.ok(!JSON.stringify(list).includes(made.token), 'the secret is never listed');
    const row = api.db.select().from(joinTokens).where(eq(joinTokens.id, made.id)).get();
    assert.notEqual(row?.secretHash, made.token);
  });

  test('join: a good token signs the CSR and records an unassigned host; reuse, expiry, wrong token and revocation are refused', async () => {
    const made = await json(await api.call('POST', '/api/v1/join-tokens', { json: { expiresInMinutes: 5 } }));
    const csr = await createCsr('joiner');
    const res = await join(made.token, csr.csrPem);
    assert.equal(res.status, 201);
    const answer = await json(res);
    const cert = new X509Certificate(answer.certPem);
    assert.ok(cert.verify(new X509Certificate(caPem).publicKey), 'signed by the CA');
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(csr.keyPem)), 'for the joiner\'s own key');
    assert.match(cert.subjectAltName ?? '', /IP Address:10\.0\.0\.2/);
    assert.equal(answer.caPem, caPem);
    const host = await json(await api.call('GET', `/api/v1/hosts/${answer.hostId}`));
    assert.equal(host.poolId, null);
    assert.equal(host.name, 'peer-one');
    assert.equal(host.isLocal, false);
    assert.deepEqual(joined.map((h) => h.agentUrl), ['https://10.0.0.2:5871']);

    const reused = await join(made.token);
    assert.equal(reused.status, 410);
    assert.equal((await json(reused)).code, 'join_token_used');
    const wrong = await join('obj_nothing');
    assert.equal(wrong.status, 401);
    assert.equal((await json(wrong)).code, 'join_token_invalid');

    const old = await json(await api.call('POST', '/api/v1/join-tokens', { json: { expiresInMinutes: 1 } }));
    api.db.update(joinTokens).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(joinTokens.id, old.id)).run();
    const expired = await join(old.token);
    assert.equal(expired.status, 410);
    assert.equal((await json(expired)).code, 'join_token_expired');

    const revoked = await json(await api.call('POST', '/api/v1/join-tokens', { json: {} }));
    assert.equal((await api.call('DELETE', `/api/v1/join-tokens/${revoked.id}`)).status, 204);
    assert.equal((await join(revoked.token)).status, 401);
    const bad = await json(await api.call('POST', '/api/v1/join-tokens', { json: {} }));
    const garbage = await join(bad.token, '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
    assert.equal((await json(garbage)).code, 'csr_invalid');
    assert.equal(joined.length, 1, 'only the good join was connected');

    // Removing: the local host never; a joined host without instances, yes.
    const local = (await json(await api.call('GET', '/api/v1/hosts'))).items.find((h: Json) => h.isLocal);
    assert.equal((await json(await api.call('DELETE', `/api/v1/hosts/${local.id}`))).code, 'host_is_local');
    assert.equal((await api.call('DELETE', `/api/v1/hosts/${answer.hostId}`)).status, 204);
    assert.equal((await api.call('GET', `/api/v1/hosts/${answer.hostId}`)).status, 404);
  });

  test('joining is refused without a request body that names an https agent', async () => {
    const made = await json(await api.call('POST', '/api/v1/join-tokens', { json: {} }));
    const res = await api.call('POST', '/api/v1/join', { token: null, json: { token: made.token, csr: 'x', advertise: 'http://10.0.0.2:5871', facts } });
    assert.equal(res.status, 400);
  });
});
