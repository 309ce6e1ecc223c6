/**
 * Snapshots (GET/POST /instances/:id/snapshots, GET/DELETE …/:snapshotId, POST …/:snapshotId/actions/revert)
 * on the fake drivers: the files each step makes, rebases and deletes, the definition following the
 * row, the tree, and every refusal with its status and code (nothing changed on a refusal).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { instanceSnapshots } from '../../db/schema.js';
import { DiskChangeRefusedError } from '../../hypervisor/errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

describe("an instance's snapshots (/instances/:id/snapshots)", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  const base = (id: string) => `/api/v1/instances/${id}/snapshots`;
  const take = (id: string, body: unknown) => api.call('POST', base(id), { json: body });
  const list = async (id: string) => (await json(await api.call('GET', base(id)))).items as Json[];
  const revert = (id: string, sid: string) => api.call('POST', `${base(id)}/${sid}/actions/revert`);
  const del = (id: string, sid: string) => api.call('DELETE', `${base(id)}/${sid}`);
  const action = (id: string, name: string) => api.call('POST', `/api/v1/instances/${id}/actions/${name}`);
  const make = async (name: string, over: Json = {}) => {
    const { instance, operation } = await createInstance(api, instanceBody(name, over));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    return instance;
  };
  const taken = async (id: string, name: string) => {
    const res = await take(id, { name, description: `${name} text` });
    const body = await json(res);
    assert.equal(res.status, 201, JSON.stringify(body));
    return body;
  };
  const deleted = async (id: string, sid: string) => {
    const res = await del(id, sid);
    assert.equal(res.status, 202, await res.clone().text());
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
  };
  const files = (id: string) => api.storage.list().filter((v) => v.startsWith(`${id}/`) && v.endsWith('.qcow2')).map((v) => v.slice(id.length + 1));
  const backingOf = async (id: string, file: string) => {
    const b = (await api.storage.info(`${id}/${file}`)).backingFile;
    return b && b.slice(b.lastIndexOf('/') + 1);
  };
  const configPaths = async (domain: string) => (await api.hypervisor.domainDisks(domain, 'config')).map((d) => d.path.slice(d.path.lastIndexOf('/') + 1));
  const livePaths = async (domain: string) => (await api.hypervisor.domainDisks(domain, 'live')).map((d) => d.path.slice(d.path.lastIndexOf('/') + 1));
  /** Everything stored, defined and on the host about an instance's snapshots. */
  const state = async (id: string) => {
    const row = api.services.instances.get(id);
    return { row, snaps: await list(id), files: files(id), config: await configPaths(row.domainName), live: await livePaths(row.domainName) };
  };
  const refused = async (id: string, call: () => Promise<Response>, status: number, code: string) => {
    const before = await state(id);
    const res = await call();
    const problem = await json(res);
    assert.equal(res.status, status, JSON.stringify(problem));
    assert.equal(problem.code, code, JSON.stringify(problem));
    assert.deepEqual(await state(id), before, `${code}: nothing stored, defined or on the host changed`);
    return problem;
  };

  test('stopped: each snapshot freezes every disk under a new overlay; the definition follows; the tree marks the current one', async () => {
    const a = await make('snap-stopped', { dataDisks: [{ sizeGiB: 2 }] });
    const s1 = await taken(a.id, 'first');
    assert.deepEqual([s1.name, s1.description, s1.parentId, s1.current, s1.quiesced, s1.disks], ['first', 'first text', null, true, false, ['system', 'data-0']]);
    const row1 = api.services.instances.get(a.id);
    assert.deepEqual(row1.diskFiles, { system: `system.${s1.id}.qcow2`, 'data-0': `data-0.${s1.id}.qcow2` });
    assert.equal(await backingOf(a.id, `system.${s1.id}.qcow2`), 'system.qcow2');
    assert.equal(await backingOf(a.id, `data-0.${s1.id}.qcow2`), 'data-0.qcow2');
    assert.equal((await api.storage.info(`${a.id}/data-0.${s1.id}.qcow2`)).virtualSizeBytes, 2 * 1024 ** 3, 'the overlay is as large as the disk');
    assert.deepEqual(await configPaths(a.domainName), [`system.${s1.id}.qcow2`, `data-0.${s1.id}.qcow2`]);

    const s2 = await taken(a.id, 'second');
    assert.equal(s2.parentId, s1.id);
    assert.equal(await backingOf(a.id, `system.${s2.id}.qcow2`), `system.${s1.id}.qcow2`);
    const tree = await list(a.id);
    assert.deepEqual(tree.map((s) => [s.name, s.parentId, s.current]), [['first', null, false], ['second', s1.id, true]]);
    assert.deepEqual(await json(await api.call('GET', `${base(a.id)}/${s2.id}`)), tree[1]);
    assert.equal((await json(await api.call('GET', `${base(a.id)}/second`))).id, s2.id, 'by name too');

    // Starting boots on the current files.
    assert.equal((await action(a.id, 'start')).status, 200);
    assert.deepEqual(await livePaths(a.domainName), [`system.${s2.id}.qcow2`, `data-0.${s2.id}.qcow2`]);
  });

  test('running: a live snapshot switches the running disks to the overlays; quiesced only when the guest agent answers', async () => {
    const a = await make('snap-live', { start: true });
    const attempts = api.hypervisor.quiesceAttempts;
    const s1 = await taken(a.id, 'live-1');
    assert.equal(s1.quiesced, false, 'no guest agent: crash-consistent');
    // On libvirt a freeze request to a guest without an agent fails or waits out the agent timeout: never sent.
    assert.equal(api.hypervisor.quiesceAttempts, attempts, 'no agent channel: no freeze asked for');
    assert.deepEqual(await livePaths(a.domainName), [`system.${s1.id}.qcow2`]);
    assert.deepEqual(await configPaths(a.domainName), [`system.${s1.id}.qcow2`]);
    api.hypervisor.guestAgentAnswers = true;
    try {
      const s2 = await taken(a.id, 'live-2');
      assert.equal(s2.quiesced, true);
      assert.equal(api.hypervisor.quiesceAttempts, attempts + 1);
      assert.equal(await backingOf(a.id, `system.${s2.id}.qcow2`), `system.${s1.id}.qcow2`);
    } finally {
      api.hypervisor.guestAgentAnswers = false;
    }
  });

  test('a live snapshot the hypervisor refuses leaves no overlay and no row', async () => {
    const a = await make('snap-live-refused', { start: true });
    api.hypervisor.failNext('snapshotDisks', new (await import('../../hypervisor/errors.js')).HypervisorError('no space', 1));
    const before = await state(a.id);
    const res = await take(a.id, { name: 'x' });
    assert.equal(res.status, 502, await res.clone().text());
    assert.deepEqual(await state(a.id), before);
  });

  test('revert (stopped): fresh overlays on the chosen snapshot, what came after it stays as a branch; running → 409', async () => {
    const a = await make('snap-revert');
    const s1 = await taken(a.id, 'r1');
    const s2 = await taken(a.id, 'r2');
    assert.equal((await action(a.id, 'start')).status, 200);
    await refused(a.id, () => revert(a.id, s1.id), 409, 'instance_must_be_stopped');
    assert.equal((await action(a.id, 'force-stop')).status, 200);
    const topBefore = api.services.instances.get(a.id).diskFiles.system;
    const res = await revert(a.id, s1.id);
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.current, true);
    const top = api.services.instances.get(a.id).diskFiles.system;
    assert.notEqual(top, topBefore);
    assert.equal(await backingOf(a.id, top), 'system.qcow2', "on r1's file");
    assert.ok(!files(a.id).includes(topBefore), 'what was written after r2 is discarded');
    assert.ok(files(a.id).includes(`system.${s1.id}.qcow2`), "r2's file stays");
    assert.deepEqual((await list(a.id)).map((s) => [s.name, s.parentId, s.current]), [['r1', null, true], ['r2', s1.id, false]]);
    assert.deepEqual(await configPaths(a.domainName), [top]);
    // r1 is now a branch point (r2 and the current disks sit on it).
    const problem = await refused(a.id, () => del(a.id, s1.id), 409, 'snapshot_has_children');
    assert.match(problem.detail, /'r2' and the current disks/);
    // Reverting to r2 works too (back on the other branch).
    assert.equal((await revert(a.id, 'r2')).status, 200);
    assert.equal(await backingOf(a.id, api.services.instances.get(a.id).diskFiles.system), `system.${s1.id}.qcow2`);
    assert.equal(s2.parentId, s1.id);
  });

  test('a disk-only revert keeps the cores and memory set after the snapshot (a snapshot records disks, not settings); the definition carries them', async () => {
    const a = await make('snap-resources', { cores: 1, memoryMiB: 128 });
    const s1 = await taken(a.id, 'small');
    const patched = await api.call('PATCH', `/api/v1/instances/${a.id}`, { json: { cores: 2, memoryMiB: 256 } });
    assert.equal(patched.status, 200, await patched.clone().text());
    const res = await revert(a.id, s1.id);
    assert.equal(res.status, 200, await res.clone().text());
    const shown = await json(await api.call('GET', `/api/v1/instances/${a.id}`));
    assert.deepEqual([shown.cores, shown.memoryMiB], [2, 256]);
    const spec = api.hypervisor.specOf(a.domainName)!;
    assert.deepEqual([spec.vcpus, spec.memoryMiB], [2, 256]);
    assert.equal(await backingOf(a.id, api.services.instances.get(a.id).diskFiles.system), 'system.qcow2', "on the snapshot's file");
    assert.equal((await action(a.id, 'start')).status, 200);
    assert.deepEqual(await api.hypervisor.domainResources(a.domainName, 'live'), { vcpus: 2, maxVcpus: 2, memoryMiB: 256, maxMemoryMiB: 256 });
    // The fake host's cores are few: give them back to the tests below.
    const gone = await api.call('DELETE', `/api/v1/instances/${a.id}`);
    assert.equal((await waitOperation(api, gone.headers.get('location'))).state, 'succeeded');
  });

  test('delete stopped, each position of a three-deep chain: the file above is rebased onto what is below; no file is lost or left', async () => {
    const imageId = (await json(await api.call('POST', '/api/v1/images?name=snap-base', { body: tinyQcow2() }))).id;
    const a = await make('snap-del-stopped', { disk: { source: 'image', imageId, sizeGiB: 1 } });
    const imageBacking = await backingOf(a.id, 'system.qcow2');
    assert.ok(imageBacking, 'a linked clone');
    const s1 = await taken(a.id, 'd1');
    const s2 = await taken(a.id, 'd2');
    const s3 = await taken(a.id, 'd3');
    // middle: d2's file (system.<s1>) is pulled into d3's (system.<s2>)
    await deleted(a.id, s2.id);
    assert.equal(await backingOf(a.id, `system.${s2.id}.qcow2`), 'system.qcow2');
    assert.ok(!files(a.id).includes(`system.${s1.id}.qcow2`));
    assert.deepEqual((await list(a.id)).map((s) => [s.name, s.parentId, s.current]), [['d1', null, false], ['d3', s1.id, true]]);
    // top (current): its file is pulled into the disk's active file
    await deleted(a.id, s3.id);
    const top = api.services.instances.get(a.id).diskFiles.system;
    assert.equal(await backingOf(a.id, top), 'system.qcow2');
    assert.equal(api.services.instances.get(a.id).currentSnapshotId, s1.id, 'the current marker moves to its parent');
    // bottom: the active file is rebased onto the image
    await deleted(a.id, s1.id);
    assert.equal(await backingOf(a.id, top), imageBacking, 'the data of system.qcow2 is in the active file, which sits on the image');
    assert.deepEqual(files(a.id), [top]);
    assert.deepEqual(await list(a.id), []);
    assert.equal(api.services.instances.get(a.id).currentSnapshotId, null);
    assert.deepEqual(await configPaths(a.domainName), [top]);
    assert.deepEqual(api.hypervisor.blockJobs.filter((j) => j.includes(a.domainName)), [], 'stopped: no block jobs');
  });

  test('delete running: the current one by block pull, a middle one by block commit into its own file', async () => {
    const a = await make('snap-del-live', { start: true });
    const s1 = await taken(a.id, 'l1');
    const s2 = await taken(a.id, 'l2');
    const s3 = await taken(a.id, 'l3');
    await deleted(a.id, s2.id); // l3's file (system.<s2>) is committed into l2's (system.<s1>)
    assert.deepEqual(api.hypervisor.blockJobs.filter((j) => j.includes(a.domainName)), [`commit ${a.domainName}:vda`]);
    assert.ok(!files(a.id).includes(`system.${s2.id}.qcow2`), 'the committed file is gone');
    assert.ok(files(a.id).includes(`system.${s1.id}.qcow2`), 'its data is in the file below');
    const top = api.services.instances.get(a.id).diskFiles.system;
    assert.equal(await backingOf(a.id, top), `system.${s1.id}.qcow2`, 'the active file now sits on it');
    await deleted(a.id, s3.id);
    assert.deepEqual(api.hypervisor.blockJobs.filter((j) => j.includes(a.domainName)), [`commit ${a.domainName}:vda`, `pull ${a.domainName}:vda`]);
    assert.equal(api.services.instances.get(a.id).currentSnapshotId, s1.id);
    assert.equal(await backingOf(a.id, top), 'system.qcow2', "pulled down to l1's file");
    assert.deepEqual(files(a.id).sort(), ['system.qcow2', top].sort());
    assert.deepEqual((await list(a.id)).map((s) => [s.name, s.current]), [['l1', true]]);
    assert.equal(api.services.instances.get(a.id).state, 'running');
  });

  test('a leaf snapshot nothing sits on (left by a revert) is deleted with its file', async () => {
    const a = await make('snap-leaf');
    const s1 = await taken(a.id, 'f1');
    const s2 = await taken(a.id, 'f2');
    assert.equal((await revert(a.id, s1.id)).status, 200);
    // f2 froze system.<s1>; nothing but f2 uses it now.
    await deleted(a.id, s2.id);
    assert.ok(!files(a.id).includes(`system.${s1.id}.qcow2`));
    assert.deepEqual((await list(a.id)).map((s) => s.name), ['f1']);
  });

  test('after a restart, a delete cut off after a disk was merged (pulled stopped, committed running) is completed; an untouched tree stays', async () => {
    const a = await make('snap-recon-stopped');
    const [, s2] = [await taken(a.id, 'p1'), await taken(a.id, 'p2'), await taken(a.id, 'p3')];
    const b = await make('snap-recon-live', { start: true });
    const [, l2, l3] = [await taken(b.id, 'c1'), await taken(b.id, 'c2'), await taken(b.id, 'c3')];
    const untouched = await make('snap-recon-none');
    await taken(untouched.id, 'u1');
    await taken(untouched.id, 'u2');
    const before = await state(untouched.id);
    // What an interrupted delete of p2 left: qemu-img rebase of p3's file finished, the database not updated.
    const p3File = `system.${s2.id}.qcow2`;
    const p2File = `system.${(await list(a.id))[0].id}.qcow2`;
    const mark = (id: string) => api.db.update(instanceSnapshots).set({ deleting: true }).where(eq(instanceSnapshots.id, id)).run();
    mark(s2.id);
    mark(l2.id);
    mark((await list(untouched.id))[0].id); // a delete cut off before it merged anything
    await api.storage.rebase(`${a.id}/${p3File}`, api.storage.pathOf(`${a.id}/system.qcow2`), 'qcow2');
    // …and of c2 on the running one: QEMU's commit of c3's file into c2's finished, the active file sits on c2's file.
    const bTop = api.services.instances.get(b.id).diskFiles.system;
    const c2File = `system.${(await list(b.id))[0].id}.qcow2`;
    await api.storage.rebase(`${b.id}/${bTop}`, api.storage.pathOf(`${b.id}/${c2File}`), 'qcow2');
    await api.services.reconciler.attached(api.services.instances.get(a.id).hostId);
    assert.deepEqual((await list(a.id)).map((s) => s.name), ['p1', 'p3']);
    assert.ok(!files(a.id).includes(p2File), "p2's file is deleted");
    assert.deepEqual((await list(b.id)).map((s) => [s.name, s.current]), [['c1', false], ['c3', true]]);
    assert.ok(!files(b.id).includes(`system.${l2.id}.qcow2`), "c3's old file (committed into c2's) is deleted");
    assert.equal(await backingOf(b.id, bTop), c2File, 'c3 now owns the file its data was committed into');
    assert.equal((await list(b.id))[1].parentId, (await list(b.id))[0].id);
    assert.equal(l3.parentId, l2.id);
    assert.deepEqual(await state(untouched.id), before, 'nothing merged: nothing changes');
    assert.ok(api.db.select().from(instanceSnapshots).all().every((s) => !s.deleting), 'every mark is cleared');
  });

  test('after a restart, a memory snapshot cut off while being taken is finished when the disks switched, else undone; hidden until then', async () => {
    const a = await make('mem-cut-taken', { start: true });
    const b = await make('mem-cut-undone', { start: true });
    /** What a memory snapshot left when onebox died mid-save: the row marked creating, its overlay made. */
    const cutOff = async (inst: Json, id: string) => {
      api.db.insert(instanceSnapshots).values({ id, instanceId: inst.id, name: `cut-${id}`, parentId: null, files: { system: 'system.qcow2' }, memoryFile: `memory.${id}.sav`, creating: true }).run();
      await api.storage.createOverlay(`${inst.id}/system.${id}.qcow2`, `${inst.id}/system.qcow2`);
    };
    await cutOff(a, 'snp_cuttaken00');
    await cutOff(b, 'snp_cutundone0');
    assert.deepEqual(await list(a.id), [], 'a snapshot being taken is not listed');
    await refused(b.id, () => take(b.id, { name: 'cut-snp_cutundone0' }), 409, 'snapshot_name_taken');
    // On a: libvirt finished the save after onebox died, so the running disk sits on the overlay.
    await api.hypervisor.snapshotWithMemory(a.domainName, '/saved/memory-a', [{ target: 'vda', path: api.storage.pathOf(`${a.id}/system.snp_cuttaken00.qcow2`) }]);
    await api.services.reconciler.attached(api.services.instances.get(a.id).hostId);
    const [done] = await list(a.id);
    assert.deepEqual([done.name, done.memory, done.current], ['cut-snp_cuttaken00', true, true]);
    assert.equal(api.services.instances.get(a.id).diskFiles.system, 'system.snp_cuttaken00.qcow2');
    assert.deepEqual(await configPaths(a.domainName), ['system.snp_cuttaken00.qcow2'], 'the definition follows');
    assert.deepEqual(await list(b.id), [], 'b: undone');
    assert.deepEqual(files(b.id), ['system.qcow2'], "b: its overlay is deleted");
    assert.equal(api.db.select().from(instanceSnapshots).where(eq(instanceSnapshots.instanceId, b.id)).all().length, 0);
  });

  test('refusals: unknown instance or snapshot 404, bad bodies 400, memory of a stopped instance 409, a taken name 409, disk changes while snapshots exist 409', async () => {
    const a = await make('snap-refused', { dataDisks: [{ sizeGiB: 1 }] });
    assert.equal((await take('no-such-instance', { name: 'x' })).status, 404);
    assert.equal((await api.call('GET', base('no-such-instance'))).status, 404);
    await refused(a.id, () => del(a.id, 'nope'), 404, 'snapshot_not_found');
    await refused(a.id, () => revert(a.id, 'nope'), 404, 'snapshot_not_found');
    await refused(a.id, () => api.call('GET', `${base(a.id)}/nope`), 404, 'snapshot_not_found');
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(65) }, { name: 'x', extra: 1 }, { name: 3 }]) await refused(a.id, () => take(a.id, body), 400, 'validation_failed');
    const mem = await refused(a.id, () => take(a.id, { name: 'm', memory: true }), 409, 'snapshot_memory_needs_running');
    assert.equal(mem.errors?.[0]?.field, 'memory');
    for (const body of [{ name: 'm', memory: 'yes' }, { name: 'm', memory: 1 }]) await refused(a.id, () => take(a.id, body), 400, 'validation_failed');
    await taken(a.id, 'only');
    await refused(a.id, () => take(a.id, { name: 'only' }), 409, 'snapshot_name_taken');
    await refused(a.id, () => api.call('POST', `/api/v1/instances/${a.id}/disks`, { json: { sizeGiB: 1 } }), 409, 'instance_has_snapshots');
    await refused(a.id, () => api.call('PATCH', `/api/v1/instances/${a.id}/disks/system`, { json: { sizeGiB: 3 } }), 409, 'instance_has_snapshots');
    await refused(a.id, () => api.call('DELETE', `/api/v1/instances/${a.id}/disks/data-0`), 409, 'instance_has_snapshots');
  });

  test('with memory (running): an operation; listed with memory; a revert from stopped or running resumes the guest on fresh overlays;', async () => {
    const a = await make('snap-memory', { start: true });
    const res = await take(a.id, { name: 'with-mem', description: 'm', memory: true });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    const [m] = await list(a.id);
    assert.deepEqual([m.name, m.memory, m.current, m.quiesced], ['with-mem', true, true, false]);
    assert.deepEqual(await livePaths(a.domainName), [`system.${m.id}.qcow2`], 'the running disk switched to the overlay');
    assert.deepEqual(await configPaths(a.domainName), [`system.${m.id}.qcow2`]);
    const plain = await taken(a.id, 'disk-only');
    assert.equal(plain.memory, false);
    assert.equal(plain.memorySizeBytes, 0);
    await refused(a.id, () => take(a.id, { name: 'with-mem', memory: true }), 409, 'snapshot_name_taken');
    await refused(a.id, () => revert(a.id, plain.id), 409, 'instance_must_be_stopped');
    // Running: reverting to the memory snapshot destroys the guest and restores it running on fresh overlays.
    const back = await revert(a.id, m.id);
    assert.equal(back.status, 200, await back.clone().text());
    const row = api.services.instances.get(a.id);
    assert.equal(row.state, 'running');
    assert.equal(row.currentSnapshotId, m.id);
    assert.notEqual(row.diskFiles.system, `system.${m.id}.qcow2`, 'a fresh overlay, not the one the guest wrote to');
    assert.equal(await backingOf(a.id, row.diskFiles.system ?? ''), 'system.qcow2', "the overlay sits on the snapshot's frozen file");
    assert.deepEqual(await livePaths(a.domainName), [row.diskFiles.system]);
    // Stopped: the same revert starts it from the memory.
    assert.equal((await action(a.id, 'force-stop')).status, 200);
    assert.equal((await revert(a.id, m.id)).status, 200);
    assert.equal(api.services.instances.get(a.id).state, 'running');
    await refused(a.id, () => take(a.id, { name: 'x', memory: true, extra: 1 }), 400, 'validation_failed');
    // The host refuses (fake: snapshot fails): nothing stays, 409 snapshot_memory_failed in the operation.
    api.hypervisor.failNext('snapshotWithMemory', new DiskChangeRefusedError('refused by test'));
    const failing = await take(a.id, { name: 'refused', memory: true });
    const op = await waitOperation(api, failing.headers.get('location'));
    assert.equal(op.state, 'failed');
    assert.equal(op.errorCode, 'snapshot_memory_failed', JSON.stringify(op));
    assert.deepEqual((await list(a.id)).map((s) => s.name), ['with-mem', 'disk-only']);
    assert.deepEqual(files(a.id).filter((f) => f.includes('snp_') && !f.includes(m.id) && !f.includes(plain.id)), [], 'no overlay of the refused one stays');
    await deleted(a.id, plain.id);
    await deleted(a.id, m.id);
    assert.deepEqual(await list(a.id), []);
  });

  test('deleting the instance removes every snapshot file and row', async () => {
    const a = await make('snap-gone', { dataDisks: [{ sizeGiB: 1 }] });
    await taken(a.id, 'g1');
    await taken(a.id, 'g2');
    const res = await api.call('DELETE', `/api/v1/instances/${a.id}`);
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    assert.deepEqual(files(a.id), []);
    assert.equal((await api.call('GET', base(a.id))).status, 404);
  });
});

describe('memory snapshots on an NFS storage pool: refused up front where the host reaches it through the NFS driver of QEMU', () => {
  for (const [nfsMode, expected] of [['qemu', 409], ['mount', 202]] as const) {
    test(`the host ${nfsMode === 'qemu' ? 'opens nfs:// URLs: 409 snapshot_memory_unsupported_storage, no operation' : 'mounts the export: the memory snapshot is taken'}`, async () => {
      const api = await startTestApi({ nfsMode });
      try {
        await api.bootstrap();
        const pool = await api.call('POST', '/api/v1/storage-pools', { json: { name: 'share', kind: 'nfs', server: '10.9.8.7', exportPath: '/srv/onebox' } });
        assert.equal(pool.status, 201, await pool.clone().text());
        const attached = await api.call('PUT', '/api/v1/pools/default/storage-pool', { json: { storagePool: 'share' } });
        assert.equal(attached.status, 200, await attached.clone().text());
        const { instance, operation } = await createInstance(api, instanceBody('on-share', { start: true }));
        assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
        const operationsBefore = (await json(await api.call('GET', '/api/v1/operations'))).items.length;
        const res = await api.call('POST', `/api/v1/instances/${instance.id}/snapshots`, { json: { name: 'm', memory: true } });
        const body = await json(res);
        assert.equal(res.status, expected, JSON.stringify(body));
        if (expected === 409) {
          assert.equal(body.code, 'snapshot_memory_unsupported_storage');
          assert.match(body.detail, /'10\.9\.8\.7:\/srv\/onebox'.*disk-only snapshot/);
          assert.equal(body.errors?.[0]?.field, 'memory');
          assert.equal((await json(await api.call('GET', '/api/v1/operations'))).items.length, operationsBefore, 'no operation started');
          const plain = await api.call('POST', `/api/v1/instances/${instance.id}/snapshots`, { json: { name: 'disk-only' } });
          assert.equal(plain.status, 201, 'a disk-only snapshot is still taken');
        } else {
          assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
        }
      } finally {
        await api.close();
      }
    });
  }
});
