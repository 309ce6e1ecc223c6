import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody } from './fixtures.js';

/** Samples of one metric: labels text → value. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

describe('GET /metrics', () => {
  let api: TestApi;
  let text: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    const { instance } = await createInstance(api, instanceBody('web1', { start: true }));
    await createInstance(api, instanceBody('db1'));
    assert.equal((await api.call('GET', `/api/v1/instances/${instance.id}`)).status, 200);
    const res = await api.call('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    text = await res.text();
  });
  after(() => api.close());

  test('needs an API token: none, a wrong one or a session cookie alone is 401', async () => {
    assert.equal((await api.call('GET', '/metrics', { token: null })).status, 401);
    assert.equal((await api.call('GET', '/metrics', { token: 'obt_wrong' })).status, 401);
    const login = await api.call('POST', '/api/v1/sessions', { json: { username: 'admin', password: 'Sup3rSecret' }, token: null });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    assert.equal((await api.call('GET', '/metrics', { token: null, headers: { cookie } })).status, 401);
  });

  test('every family has HELP and TYPE, every line is a comment or a well-formed sample', () => {
    const families = new Set<string>();
    for (const line of text.trimEnd().split('\n')) {
      const t = /^# TYPE (\S+) (gauge|counter)$/.exec(line);
      if (t) families.add(t[1]);
      else if (!line.startsWith('# HELP ')) assert.match(line, /^[a-z_:][a-z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$/, line);
    }
    for (const f of families) if (f.endsWith('_total')) assert.match(text, new RegExp(`# TYPE ${f} counter`));
    for (const name of ['onebox_host_cpus', 'onebox_host_memory_bytes', 'onebox_host_cpu_seconds_total', 'onebox_host_memory_available_bytes', 'onebox_host_storage_free_bytes', 'onebox_instances', 'onebox_pool_cpus', 'onebox_instance_vcpus',
      'onebox_instance_cpu_seconds_total', 'onebox_instance_disk_read_bytes_total', 'onebox_instance_network_receive_bytes_total', 'process_resident_memory_bytes', 'onebox_http_requests_total'])
      assert.ok(families.has(name), name);
  });

  test('hosts, pools and instances are counted right', () => {
    const byState = samples(text, 'onebox_instances');
    assert.equal(byState.get('{state="running"}'), 1);
    assert.equal(byState.get('{state="stopped"}'), 1);
    assert.equal([...samples(text, 'onebox_host_cpus').values()][0], 4);
    assert.equal([...samples(text, 'onebox_pool_vcpus_allocated').entries()].find(([l]) => l.includes('pool="default"'))?.[1], 2);
    const cpu = [...samples(text, 'onebox_instance_cpu_seconds_total').entries()];
    assert.equal(cpu.length, 1, 'counters for the running instance only');
    assert.match(cpu[0][0], /instance="web1"/);
    assert.ok(samples(text, 'process_resident_memory_bytes').get('')! > 1024 * 1024);
  });

  test("the host's own figures: CPU seconds by mode, available memory, storage per location, NIC counters", () => {
    const cpu = samples(text, 'onebox_host_cpu_seconds_total');
    const modes = [...cpu.keys()].map((l) => /mode="(\w+)"/.exec(l)?.[1]).sort();
    assert.deepEqual(modes, ['idle', 'iowait', 'system', 'user'], [...cpu.keys()].join(' '));
    const mode = (m: string) => [...cpu.entries()].find(([l]) => l.includes(`mode="${m}"`))?.[1] ?? -1;
    // The fake's counters: user 0.2 s, kernel 0.1 s, idle 0.9 s per call; the ratio holds whatever the call count.
    assert.ok(mode('user') > 0 && Math.abs(mode('user') / mode('system') - 2) < 1e-9 && Math.abs(mode('idle') / mode('user') - 4.5) < 1e-9, JSON.stringify([...cpu]));
    assert.equal([...samples(text, 'onebox_host_memory_available_bytes').values()][0], 4096 * 1024 * 1024, "the fake host's half");
    const size = [...samples(text, 'onebox_host_storage_size_bytes').values()];
    assert.equal(size.length, 1);
    assert.ok(size[0] > 0);
    for (const [labels, v] of samples(text, 'onebox_host_network_receive_bytes_total')) {
      assert.match(labels, /device="[^"]+"/);
      assert.doesNotMatch(labels, /device="(lo|vnet\d+)"/);
      assert.ok(v >= 0);
    }
  });

  test('HTTP requests are counted by route pattern and status', () => {
    const http = samples(text, 'onebox_http_requests_total');
    assert.ok((http.get('{route="/api/v1/instances/:id",method="GET",status="200"}') ?? 0) >= 1, [...http.keys()].join(' '));
    assert.ok((http.get('{route="/api/v1/instances",method="POST",status="202"}') ?? 0) >= 2);
  });
});
