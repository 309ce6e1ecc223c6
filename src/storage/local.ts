/** Local directory storage: image files on this host, handled with qemu-img. */
import { rm } from 'node:fs/promises';
import { run } from '../lib/exec.js';
import type { ProgressFn, StorageDriver, VolumeInfo } from './driver.js';

interface QemuImgInfo {
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string } };
}

/** Parses the `(12.34/100%)` progress lines of `qemu-img convert -p`. */
export function parseQemuImgProgress(chunk: string): number | undefined {
  const matches = [...chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) / 100 : undefined;
}

/** StorageDriver on local files with qemu-img. */
export class LocalStorageDriver implements StorageDriver {
  constructor(private readonly qemuImg = 'qemu-img') {}

  async createBlank(path: string, sizeBytes: number): Promise<void> {
    await run([this.qemuImg, 'create', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
  }

  async createLinkedClone(path: string, backingPath: string, backingFormat: string, sizeBytes: number): Promise<void> {
    await run([this.qemuImg, 'create', '-q', '-f', 'qcow2', '-b', backingPath, '-F', backingFormat, path, String(sizeBytes)]);
  }

  async createFullCopy(path: string, source: string, sourceFormat: string, sizeBytes: number, onProgress?: ProgressFn): Promise<void> {
    await run([this.qemuImg, 'convert', '-p', '-f', sourceFormat, '-O', 'qcow2', source, path], {
      timeoutMs: 6 * 60 * 60_000,
      onStdout: (chunk) => {
        const fraction = parseQemuImgProgress(chunk);
        if (fraction !== undefined) onProgress?.(fraction);
      },
    });
    const info = await this.info(path);
    if (sizeBytes > info.virtualSizeBytes) await run([this.qemuImg, 'resize', '-q', path, String(sizeBytes)]);
  }

  async info(path: string): Promise<VolumeInfo> {
    const { stdout } = await run([this.qemuImg, 'info', '--output=json', '-U', path]);
    const parsed = JSON.parse(stdout) as QemuImgInfo;
    return {
      format: parsed.format,
      virtualSizeBytes: parsed['virtual-size'],
      actualSizeBytes: parsed['actual-size'] ?? 0,
      backingFile: parsed['full-backing-filename'] ?? parsed['backing-filename'],
      dataFile: parsed['format-specific']?.data?.['data-file'],
    };
  }

  async check(path: string): Promise<void> {
    await run([this.qemuImg, 'check', '-q', path], { timeoutMs: 10 * 60_000 });
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }
}
