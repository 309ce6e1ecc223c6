import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { instanceNics, instances } from '../../db/schema.js';
import { EXPORT_BATCH } from '../routes/export.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyIso, tinyQcow2, type Json } from './fixtures.js';

const LISTS = ['instances', 'images', 'media', 'hosts', 'pools', 'storage-pools', 'networks', 'address-pools', 'operations', 'audit', 'tokens'];
const EXTRA = 1200; // more than two export batches

describe('paging and filters on every list', () => {
  let api: TestApi;
  let hostName: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    await createInstance(api, instanceBody('template'));
    const { instance: gone } = await createInstance(api, instanceBody('short-lived'));
    assert.equal((await api.call('DELETE', `/api/v1/instances/${gone.id}`)).status, 202);
    await api.services.operations.settled();
    const template = api.db.select().from(instances).where(eq(instances.name, 'template')).get()!;
    hostName = (await json(await api.call('GET', `/api/v1/hosts/${template.hostId}`))).name;
    const states = ['running', 'stopped', 'error'] as const;
    api.db.transaction((tx) => {
      for (let i = 0; i < EXTRA; i++) {
        const id = `inst_bulk${String(i).padStart(5, '0')}`;
        tx.insert(instances).values({ ...template, id, name: `${i % 2 ? 'web' : 'db'}-${String(i).padStart(4, '0')}`, state: states[i % 3], domainName: `bulk-${i}`, domainUuid: randomUUID() }).run();
      }
    });
    for (const name of ['a', 'b']) {
      assert.equal((await api.call('POST', `/api/v1/images?name=img-${name}`, { body: tinyQcow2(), headers: { 'content-type': 'application/octet-stream' } })).status, 201);
      assert.equal((await api.call('POST', `/api/v1/media?name=iso-${name}.iso`, { body: tinyIso(), headers: { 'content-type': 'application/octet-stream' } })).status, 201);
    }
    assert.equal((await api.call('POST', '/api/v1/pools', { json: { name: 'second' } })).status, 201);
    assert.equal((await api.call('POST', '/api/v1/tokens', { json: { name: 'second' } })).status, 201);
    for (const [i, name] of ['net-a', 'net-b'].entries()) {
      const net = await api.call('POST', '/api/v1/networks', { json: { kind: 'nat', name, subnet: `10.${77 + i}.0.0/24` } });
      assert.equal(net.status, 201);
      const gateway = (await json(net)).gateway as string;
      const pool = { name: `ap-${name}`, network: name, mode: 'dhcp', gateway, dnsServers: [], ranges: [{ start: `10.${77 + i}.0.10`, end: `10.${77 + i}.0.20`, prefix: 24 }] };
      assert.equal((await api.call('POST', '/api/v1/address-pools', { json: pool })).status, 201);
    }
  });
  after(() => api.close());

  /** Every item of a list, one page of `limit` at a time; also checks each page's size. */
  async function walk(path: string, limit: number): Promise<Json[]> {
    const all: Json[] = [];
    let cursor: string | null = null;
    const sep = path.includes('?') ? '&' : '?';
    for (let pages = 0; pages < 5000; pages++) {
      const res = await api.call('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      const page = await json(res);
      assert.ok(page.items.length <= limit, `${path}: a page of at most ${limit}`);
      assert.ok('nextCursor' in page, `${path} answers nextCursor`);
      all.push(...page.items);
      if (page.nextCursor === null) return all;
      assert.equal(page.items.length, limit, `${path}: only the last page is short`);
      cursor = page.nextCursor;
    }
    throw new Error(`${path}: too many pages`);
  }

  for (const list of LISTS)
    test(`${list}: pages of 1 and of 1000 give the same items in the same order, once each`, async () => {
      const whole = await json(await api.call('GET', `/api/v1/${list}?limit=1000`));
      const small = list === 'instances' ? await walk(`/api/v1/${list}`, 97) : await walk(`/api/v1/${list}`, 1);
      const ids = (items: Json[]) => items.map((i) => String(i.id));
      if (list === 'instances') assert.deepEqual(ids(small).slice(0, 1000), ids(whole.items));
      else assert.deepEqual(ids(small), ids(whole.items));
      assert.equal(new Set(ids(small)).size, small.length, 'no item twice');
      if (!['hosts', 'storage-pools'].includes(list)) assert.ok(small.length >= 2, `${list} has several items to page through`);
    });

  for (const list of LISTS)
    test(`${list}: bad paging parameters are 400 with the field named`, async () => {
      for (const [q, field] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=ten', 'limit'], ['cursor=not-a-cursor', 'cursor'], ['cursor=WzFd', 'cursor'], ['bogus=1', 'query string']] as const) {
        const res = await api.call('GET', `/api/v1/${list}?${q}`);
        assert.equal(res.status, 400, `${list}?${q}`);
        const body = await json(res);
        assert.equal(body.code, 'validation_failed');
        assert.ok(body.errors.some((e: Json) => e.field === field), `${list}?${q}: ${JSON.stringify(body.errors)}`);
      }
    });

  test('the default page is 100 and the answer says where the next starts', async () => {
    const page = await json(await api.call('GET', '/api/v1/instances'));
    assert.equal(page.items.length, 100);
    assert.equal(typeof page.nextCursor, 'string');
    const next = await json(await api.call('GET', `/api/v1/instances?cursor=${encodeURIComponent(page.nextCursor)}`));
    assert.ok(next.items[0].name > page.items[99].name, 'name order continues');
  });

  test('instances filter by state, host, pool and name prefix, combined and paged', async () => {
    const running = await walk('/api/v1/instances?state=running', 50);
    assert.equal(running.length, EXTRA / 3);
    assert.ok(running.every((i) => i.state === 'running'));
    const web = await walk('/api/v1/instances?name=web-&state=running', 50);
    assert.ok(web.length > 0 && web.every((i) => i.name.startsWith('web-') && i.state === 'running'));
    assert.equal(web.length, running.filter((i) => i.name.startsWith('web-')).length);
    assert.equal((await walk(`/api/v1/instances?host=${hostName}`, 1000)).length, EXTRA + 1);
    assert.equal((await walk('/api/v1/instances?pool=default&name=templ', 10)).length, 1);
    assert.deepEqual((await json(await api.call('GET', '/api/v1/instances?pool=second'))).items, []);
    assert.deepEqual((await json(await api.call('GET', '/api/v1/instances?name=%25'))).items, [], 'a prefix is literal, not a LIKE pattern');
    const bad = await json(await api.call('GET', '/api/v1/instances?state=sleeping'));
    assert.equal(bad.code, 'validation_failed');
    assert.equal(bad.errors[0].field, 'state');
  });

  test('the export streams every instance as JSON lines, a batch at a time', async () => {
    const res = await api.call('GET', '/api/v1/instances/export');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const reader = res.body!.getReader();
    let text = '';
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += Buffer.from(value).toString('utf8');
    }
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    assert.equal(lines.length, EXTRA + 1);
    assert.ok(chunks >= Math.ceil((EXTRA + 1) / EXPORT_BATCH), `streamed in ${chunks} chunks, one per batch`);
    assert.equal(new Set(lines.map((l) => l.id)).size, lines.length);
    const filtered = (await (await api.call('GET', '/api/v1/instances/export?state=error')).text()).trimEnd().split('\n');
    assert.equal(filtered.length, EXTRA / 3);
    assert.equal((await api.call('GET', '/api/v1/instances/export?limit=5')).status, 400, 'the export has no paging');
  });

  test('operations filter by time range, user and target; audit also by action', async () => {
    const ops = await walk('/api/v1/operations', 1000);
    assert.ok(ops.length >= 1);
    const first = ops[ops.length - 1];
    const byTarget = await walk(`/api/v1/operations?target=${first.targetId}`, 10);
    assert.ok(byTarget.length >= 1 && byTarget.every((o) => o.targetId === first.targetId));
    assert.equal((await walk(`/api/v1/operations?user=admin`, 1000)).length, ops.filter((o) => o.userId === api.admin.userId).length);
    assert.deepEqual(await walk('/api/v1/operations?user=nobody', 10), []);
    assert.deepEqual(await walk(`/api/v1/operations?since=${new Date(Date.now() + 60_000).toISOString()}`, 10), []);
    assert.equal((await walk(`/api/v1/operations?until=${new Date(Date.now() + 60_000).toISOString()}&since=2000-01-01T00:00:00Z`, 1000)).length, ops.length);

    const audit = await walk('/api/v1/audit?action=create', 3);
    assert.ok(audit.length >= 5 && audit.every((e) => e.action === 'create'));
    assert.ok(audit.every((e, i) => i === 0 || e.id < audit[i - 1].id), 'newest first');
    const mine = await walk(`/api/v1/audit?user=${api.admin.userId}&target=${audit[0].targetId}`, 10);
    assert.ok(mine.length >= 1 && mine.every((e) => e.targetId === audit[0].targetId && e.userId === api.admin.userId));
    const middle = audit[2].at;
    assert.ok((await walk(`/api/v1/audit?until=${middle}`, 100)).every((e) => e.at < middle));
    assert.ok((await walk(`/api/v1/audit?since=${middle}`, 100)).every((e) => e.at >= middle));
    const bad = await json(await api.call('GET', '/api/v1/audit?since=yesterday'));
    assert.equal(bad.errors[0].field, 'since');
  });

  test('a page carries each instance\'s NICs (read for the whole page at once)', async () => {
    const template = api.db.select().from(instances).where(eq(instances.name, 'template')).get()!;
    const net = await json(await api.call('GET', '/api/v1/networks/net-a'));
    api.db.insert(instanceNics).values({ id: 'nic_listcheck', instanceId: template.id, position: 5, networkId: net.id, mac: '52:54:00:aa:bb:cc', addressPoolId: null, address: '10.77.0.99' }).run();
    const page = await json(await api.call('GET', '/api/v1/instances?name=t'));
    const row = page.items.find((i: Json) => i.id === template.id);
    assert.deepEqual(row.nics.map((n: Json) => n.mac), ['52:54:00:aa:bb:cc']);
    assert.equal(row.address, '10.77.0.99');
    assert.ok(page.items.filter((i: Json) => i.id !== template.id).every((i: Json) => i.nics.length === 0));
  });
});
