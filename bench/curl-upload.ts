/**
 * What the upload and import benchmarks send: one file as the raw body of `POST /images` with
 * `curl -T` (streams the file; what a user runs, and light on the CPU the server shares on a
 * small machine). Run asynchronously: a synchronous child would stall this process's event
 * loop, and its next request could then go out on a keep-alive connection the server had
 * already closed ("other side closed").
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Json, OneboxServer } from '../test/system/onebox-server.js';

const execFileAsync = promisify(execFile);

/** Uploads `file` as the image `name`; returns the answer's body (an image, or `{ imageId, operation }` for a conversion). */
export async function curlUpload(server: OneboxServer, file: string, name: string): Promise<Json> {
  const { stdout } = await execFileAsync('curl', [
    '-sS', '--fail-with-body', '--cacert', join(server.dataDir, 'tls', 'ca.pem'), '-H', `authorization: Bearer ${server.token}`,
    '-H', 'content-type: application/octet-stream', '-X', 'POST', '-T', file, `${server.base}/images?name=${encodeURIComponent(name)}`,
  ], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Json;
}
