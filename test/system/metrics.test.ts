/**
 * `/metrics` of the real executable: `promtool check metrics` (Debian package prometheus)
 * accepts it, it needs an API token, and the token's use is recorded at shutdown (the flush).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { bundle, command, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, waitFor } from './onebox-server.js';

describe('GET /metrics on the real executable', { skip: skipUnlessPresent(bundle(), systemLibvirtd(), command('promtool', ['--version'], 'prometheus')) }, () => {
  let server: OneboxServer;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
    // A defined (stopped) instance, so the per-instance families have samples.
    const res = await server.call('POST', '/instances', { json: { name: 'metrics-1', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  test('promtool check metrics accepts it; host, instance, process and HTTP families are there', async () => {
    await waitFor('host storage reported', 30_000, async () => /onebox_host_storage_free_bytes\{/.test(await (await server.fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text()));
    const res = await server.fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}\n${text}`);
    assert.equal((check.stdout + check.stderr).trim(), '', 'no lint problems');
    for (const family of ['onebox_host_cpus', 'onebox_host_memory_bytes', 'onebox_instances', 'onebox_pool_cpus', 'onebox_instance_vcpus', 'process_resident_memory_bytes', 'onebox_http_requests_total'])
      assert.match(text, new RegExp(`^${family}\\{?.* \\d`, 'm'), family);
    assert.match(text, /onebox_instance_vcpus\{instance="metrics-1",/);
    for (const mode of ['user', 'system', 'idle', 'iowait']) assert.match(text, new RegExp(`^onebox_host_cpu_seconds_total\\{.*mode="${mode}"\\} \\d`, 'm'), `host CPU seconds, ${mode}`);
    assert.match(text, /^onebox_host_memory_available_bytes\{.*\} [1-9]\d*$/m, "the host's available memory");
  });

  test('without a token, or with a wrong one, it is 401', async () => {
    assert.equal((await server.fetch(`${server.origin}/metrics`)).status, 401);
    assert.equal((await server.fetch(`${server.origin}/metrics`, { headers: { authorization: 'Bearer obt_nope' } })).status, 401);
  });

  test('the API token\'s use is written by the time the server has stopped', async () => {
    await server.stop();
    const db = new Database(join(server.dataDir, 'onebox.db'), { readonly: true });
    try {
      const row = db.prepare('select last_used_at as at from api_tokens').get() as { at: string | null };
      assert.ok(row.at && Date.now() - Date.parse(row.at) < 10 * 60_000, `last_used_at ${row.at}`);
    } finally {
      db.close();
    }
  });
});
