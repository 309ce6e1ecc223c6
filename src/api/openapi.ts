/** The OpenAPI 3.1 document of the API, with request schemas generated from the shared zod schemas. */
import { z } from 'zod';
import { cloneInstanceSchema } from '../shared/instance-clone.js';
import { createImageFromInstanceSchema } from '../shared/instance-images.js';
import { setGuestPasswordSchema } from '../shared/guest.js';
import { bridgeSetupSchema, consoleTokenSchema, createAddressPoolSchema, createInstanceSchema, createNetworkSchema, createPoolSchema, createStoragePoolSchema, nicRequestSchema, poolNetworkSchema, updateAddressPoolSchema, updateInstanceSchema, insertMediaSchema, updateHostSchema, createTokenSchema, loginSchema, setupSchema, startFromIsoSchema, addDiskSchema, growDiskSchema, imageUrlImportSchema, updateImageSchema, updateMediaSchema } from '../shared/schemas.js';
import { createSnapshotSchema } from '../shared/snapshots.js';
import { batchSchema } from '../shared/batch.js';
import { changePasswordSchema, createUserSchema, resetPasswordSchema, updateSecuritySettingsSchema, updateUserSchema } from '../shared/users.js';

type Op = { summary: string; body?: z.ZodType; raw?: boolean; status?: number };
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } } });

const routes: Record<string, Record<string, Op>> = {
  '/health': { get: { summary: 'Liveness and version' } },
  '/openapi.json': { get: { summary: 'This document' } },
  '/setup': { get: { summary: 'Whether the initial admin must still be created' }, post: { summary: 'Create the initial admin', body: setupSchema, status: 201 } },
  '/sessions': { post: { summary: 'Log in (sets the session cookie; returns the CSRF token)', body: loginSchema, status: 201 } },
  '/session': { get: { summary: 'The current session and its CSRF token' }, delete: { summary: 'Log out', status: 204 } },
  '/tokens': { get: { summary: 'List your API tokens' }, post: { summary: 'Create an API token (secret shown once)', body: createTokenSchema, status: 201 } },
  '/tokens/{id}': { delete: { summary: 'Revoke an API token', status: 204 } },
  '/images': {
    get: { summary: 'List disk images (?tag= only those with that tag; paged like every list)' },
    post: {
      summary:
        'Upload a qcow2, raw, vmdk, vhdx, vdi or ova image as the raw request body (?name=&description=&os=&defaultUser=&tags=a,b; 201; all but qcow2 and raw are converted to qcow2), or, with a JSON body {url, sha256?, name, description?, os?, tags?}, import it from an http(s) URL (202 + operation; resumed when the connection drops; checksum_mismatch when the SHA-256 differs; private and loopback addresses only with serve --image-import-allow-private)',
      body: imageUrlImportSchema, status: 201,
    },
  },
  '/images/{id}': {
    get: { summary: 'Get an image' },
    patch: { summary: 'Change the name, description, OS or tags (at most 16, each 1-32 of a-z 0-9 - _ .) of an image', body: updateImageSchema },
    delete: { summary: 'Delete an image (409 image_in_use while linked clones use it, naming them)', status: 204 },
  },
  '/images/{id}/file': { get: { summary: 'Download an image (one HTTP Range: 206 with Content-Range, 416 when unsatisfiable; ETag is the SHA-256)' } },
  '/images/{id}/content': { get: { summary: 'Download an image (same as /file)' } },
  '/media': { get: { summary: 'List ISO media' }, post: { summary: 'Upload an ISO as the raw request body (?name=)', raw: true, status: 201 } },
  '/media/{id}': { get: { summary: 'Get an ISO' }, patch: { summary: 'Rename an ISO or change its description', body: updateMediaSchema }, delete: { summary: 'Delete an ISO (refused while inserted)', status: 204 } },
  '/media/{id}/file': { get: { summary: 'Download an ISO (one HTTP Range: 206 with Content-Range, 416 when unsatisfiable; ETag is the SHA-256)' } },
  '/media/{id}/content': { get: { summary: 'Download an ISO (same as /file)' } },
  '/instances': { get: { summary: 'List instances by name: ?limit= (1-1000, default 100) &cursor= (nextCursor of the previous page), filters state, host, pool (id or name), name (a prefix); answers {items, nextCursor}. Every list pages the same way.' }, post: { summary: 'Create an instance (202 + operation)', body: createInstanceSchema, status: 202 } },
  '/instances/export': { get: { summary: 'Every instance as JSON lines (application/x-ndjson), streamed; the list filters apply, no paging' } },
  '/instances/batch': { post: { summary: 'Create N instances (count + namePrefix, or names) or start/stop/force-stop/reboot/delete a selection (ids): 202 + a parent operation whose result lists each item, its child operation, state and error', body: batchSchema, status: 202 } },
  '/instances/{id}': {
    get: { summary: 'Get an instance' },
    patch: {
      summary:
        'Change name, cores, memory, autostart or description. Stopped: any of them (cores and memory above the maximums raise those). Running: cores and memory live up to maxCores/maxMemoryMiB (else 409 instance_must_be_stopped; a guest that refuses to release a vCPU: 409 resource_change_refused). A new name becomes the guest hostname at the next cloud-init run only.',
      body: updateInstanceSchema,
    },
    delete: { summary: 'Delete an instance and everything it owns (202 + operation)', status: 202 } },
  '/instances/{id}/actions/start': { post: { summary: 'Start' } },
  '/instances/{id}/actions/start-from-iso': { post: { summary: 'Insert an ISO and boot from it (202 + operation)', body: startFromIsoSchema, status: 202 } },
  '/instances/{id}/actions/stop': { post: { summary: 'Graceful ACPI power-off, waits for the guest (202 + operation)', status: 202 } },
  '/instances/{id}/actions/force-stop': { post: { summary: 'Power off immediately' } },
  '/instances/{id}/actions/reboot': { post: { summary: 'Graceful ACPI reboot' } },
  '/instances/{id}/actions/reset': { post: { summary: 'Hard reset' } },
  '/instances/{id}/actions/pause': { post: { summary: 'Pause' } },
  '/instances/{id}/actions/resume': { post: { summary: 'Resume' } },
  '/instances/{id}/actions/insert-media': { post: { summary: 'Insert an ISO into the CD-ROM drive (live when running)', body: insertMediaSchema } },
  '/instances/{id}/actions/eject-media': { post: { summary: 'Eject the CD-ROM medium (live when running)' } },
  '/instances/{id}/actions/set-guest-password': {
    post: {
      summary:
        "Set a guest user's password through the QEMU guest agent (running only; else 409 instance_not_running). username defaults to the image's defaultUser, else root. Agent silent: 409 guest_agent_unavailable; the guest refuses the user: 409 guest_password_refused. The audit log names the user, never the password.",
      body: setGuestPasswordSchema,
    },
  },
  '/instances/{id}/guest-info': { get: { summary: "What the guest reports through its agent: agent available|unavailable (a state, never an error), hostname, OS name and version, addresses" } },
  '/instances/{id}/stats': { get: { summary: 'Live usage: CPU %, memory, disk and network counters' } },
  '/instances/{id}/guest-addresses': { get: { summary: "The running guest's interfaces and addresses: from its QEMU guest agent, else from the DHCP leases of its NICs" } },
  '/instances/{id}/vnc': { get: { summary: 'The VNC password' } },
  '/instances/{id}/console-tokens': { post: { summary: 'A single-use console token (valid 30 s unless serve --console-token-ttl says otherwise) and the relative websocket path', body: consoleTokenSchema, status: 201 } },
  '/console/ws': { get: { summary: 'Console websocket (?token=): binary frames, VNC RFB or serial bytes' } },
  '/instances/{id}/console-log': { get: { summary: 'The last MiB of what the guest wrote to its serial console' } },
  '/operations': { get: { summary: 'List operations, newest first; filters since, until (ISO 8601), user (id or name), target (id)' } },
  '/operations/{id}': { get: { summary: 'Get an operation: state, progress, error' } },
  '/hosts': { get: { summary: 'List hosts' } },
  '/hosts/{id}': {
    get: { summary: 'Get a host (accelerator, versions, online, disk)' },
    patch: { summary: 'Move a host to a pool (refused while it has instances) or enable/disable it for scheduling', body: updateHostSchema },
  },
  '/hosts/{id}/interfaces': { get: { summary: "The host's network interfaces (kind, addresses, bridge port, default route)" } },
  '/hosts/{id}/bridge-setup': { post: { summary: 'Plan (dry run) or, with confirm: true, make a Linux bridge take over a NIC; rolled back when the default gateway stops answering', body: bridgeSetupSchema } },
  '/pools': { get: { summary: 'List compute pools' }, post: { summary: 'Create a compute pool', body: createPoolSchema, status: 201 } },
  '/pools/{id}': { get: { summary: 'Get a compute pool' }, delete: { summary: 'Delete an empty compute pool', status: 204 } },
  '/storage-pools': { get: { summary: 'List storage pools' }, post: { summary: 'Create a local storage pool (a directory every host has)', body: createStoragePoolSchema, status: 201 } },
  '/storage-pools/{id}': { get: { summary: 'Get a storage pool' }, delete: { summary: 'Delete a storage pool nothing uses', status: 204 } },
  '/pools/{id}/network': { put: { summary: "Set a compute pool's network and address pool (refused while its instances hold addresses from the old one)", body: poolNetworkSchema } },
  '/networks': { get: { summary: 'List networks, with their state on each host' }, post: { summary: 'Create a NAT network (own subnet, DHCP, masquerade) or a bridged network on an existing bridge', body: createNetworkSchema, status: 201 } },
  '/networks/{id}': { get: { summary: 'Get a network' }, delete: { summary: 'Delete a network nothing uses', status: 204 } },
  '/networks/{id}/leases': { get: { summary: 'The DHCP leases handed out on the network' } },
  '/address-pools': { get: { summary: 'List address pools with their usage' }, post: { summary: 'Create an address pool (dhcp: reserved leases; static: cloud-init network config)', body: createAddressPoolSchema, status: 201 } },
  '/address-pools/{id}': {
    get: { summary: 'Get an address pool and its allocations' },
    patch: { summary: 'Change ranges (none with allocations may go) or DNS servers', body: updateAddressPoolSchema },
    delete: { summary: 'Delete an address pool without allocations', status: 204 },
  },
  '/instances/{id}/nics': { get: { summary: "An instance's NICs" }, post: { summary: 'Add a NIC to a stopped instance', body: nicRequestSchema, status: 201 } },
  '/instances/{id}/nics/{nicId}': { delete: { summary: 'Remove a NIC from a stopped instance (its address goes back to the pool)', status: 204 } },
  '/instances/{id}/disks': {
    get: { summary: "An instance's disks: device, role, virtual and allocated size, format, backing image" },
    post: { summary: 'Add a blank data disk (stopped: to the definition; running: hot-plugged); at most 8', body: addDiskSchema, status: 201 },
  },
  '/instances/{id}/disks/{diskId}': {
    patch: { summary: 'Grow a disk (stopped: qemu-img resize; running: online block resize); never shrinks', body: growDiskSchema },
    delete: { summary: 'Remove a data disk and delete its volume (running: hot-unplugged first; 409 disk_change_refused if the guest does not let go)', status: 204 },
  },
  '/instances/{id}/actions/create-image': { post: { summary: "Build an image from a stopped instance's system disk (flattened, compressed; the instance is busy meanwhile); the operation's target is the new image", body: createImageFromInstanceSchema, status: 202 } },
  '/instances/{id}/actions/clone': {
    post: {
      summary:
        "Clone a stopped instance into a new one on the same host and pool (202 + operation, the new instance in the body): a full copy of each disk (a linked clone keeps its image as backing file), new MACs and addresses from the same networks, a new cloud-init instance-id and hostname. Running: 409 instance_must_be_stopped; with snapshots: 409 instance_has_snapshots; a taken name: 409 instance_name_taken",
      body: cloneInstanceSchema,
      status: 202,
    },
  },
  '/instances/{id}/actions/reset-system-disk': { post: { summary: 'Stopped: replace the system disk by a new linked clone of its image (data disks kept) with a new cloud-init instance-id, so cloud-init runs again' } },
  '/instances/{id}/disks/{diskId}/actions/compact': { post: { summary: "Stopped: rewrite a disk without its unused space (keeping its backing image) and swap it in; the operation's last message gives the sizes before and after", status: 202 } },
  '/instances/{id}/snapshots': {
    get: { summary: "An instance's snapshots as a tree (parentId), the current one marked" },
    post: {
      summary: 'Take a disk-only snapshot (external qcow2 overlays) of a stopped or running instance (running: live, quiesced when the guest agent answers); memory: true is refused (400 snapshot_memory_unsupported); disk add/remove/grow are refused while snapshots exist (409 instance_has_snapshots)',
      body: createSnapshotSchema,
      status: 201,
    },
  },
  '/instances/{id}/snapshots/{snapshotId}': {
    get: { summary: 'Get a snapshot' },
    delete: {
      summary: 'Delete a snapshot, the current one included, merging its data into the files above it (stopped: qemu-img rebase; running: block pull/commit), in an operation; a branch point is refused (409 snapshot_has_children)',
      status: 202,
    },
  },
  '/instances/{id}/snapshots/{snapshotId}/actions/revert': { post: { summary: 'Revert a stopped instance to a snapshot (running: 409 instance_must_be_stopped); later snapshots stay in the tree' } },
  '/audit': { get: { summary: 'The audit log, newest first; filters since, until (ISO 8601), user (id or name), target (id), action (exact, or a prefix ending in a dot: instance.); target matches an id or a target type' } },
  '/audit/export': { get: { summary: 'The audit log as JSON lines (application/x-ndjson, streamed, newest first), with the same filters as the list' } },
  '/users': { get: { summary: 'List users (admin; ?q= username prefix; paged)' }, post: { summary: 'Create a user (admin)', body: createUserSchema, status: 201 } },
  '/users/{id}': {
    get: { summary: 'Get a user (admin)' },
    patch: { summary: 'Change display name, e-mail, role or disabled (admin); not yourself or the last enabled admin (409 user_is_self, last_admin); disabling ends their sessions', body: updateUserSchema },
    delete: { summary: 'Delete a user (admin); not yourself or the last enabled admin; what they made stays', status: 204 },
  },
  '/users/{id}/actions/reset-password': { post: { summary: "Set a user's password (admin); all their sessions end", body: resetPasswordSchema, status: 204 } },
  '/session/sessions': { get: { summary: 'Your open sessions (created, last seen, address, user agent, current)' } },
  '/session/sessions/{id}': { delete: { summary: 'End one of your sessions', status: 204 } },
  '/session/password': { post: { summary: 'Change your password (current one required: 403 current_password_wrong); your other sessions end', body: changePasswordSchema, status: 204 } },
  '/settings/security': { get: { summary: 'Session idle timeout, session lifetime and audit retention' }, patch: { summary: 'Change them (admin)', body: updateSecuritySettingsSchema } },
  '/instances/{id}/usage-history': { get: { summary: 'Usage history (?range=hour|day|week|month: 10 s, 1 min or 10 min points with average and maximum): CPU %, memory, disk and network rates' } },
  '/hosts/{id}/usage-history': { get: { summary: "A host's usage history: its own CPU %, memory (used, total), NIC rates and storage, its guests' CPU and memory share, and `locations` (one used/total history per storage location)" } },
  '/pools/{id}/usage-history': { get: { summary: "A compute pool's usage history (the sum of its hosts)" } },
  '/usage/history': { get: { summary: "The zone's usage history (every host)" } },
  '/usage/stream': { get: { summary: 'Server-sent events: the newest sample of each series named in ?series= (zone, instance:<id>, host:<id>, pool:<id>) at every collection' } },
};

const problemResponse = { description: 'Error (RFC 9457)', content: { 'application/problem+json': { schema: { type: 'object' } } } };

/** The whole document. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, ops] of Object.entries(routes)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      paths[path][method] = {
        summary: op.summary,
        ...(op.body ? { requestBody: { required: true, ...json(op.body) } } : {}),
        ...(op.raw ? { requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } } : {}),
        responses: { [String(op.status ?? 200)]: { description: 'Success' }, default: problemResponse },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'onebox API', version },
    servers: [{ url: '/api/v1' }],
    components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'onebox_session' } } },
    security: [{ token: [] }, { session: [] }],
    paths,
  };
}
