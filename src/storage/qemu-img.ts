/**
 * qemu-img, run with pinned formats and resource limits: image inspection for uploads, and
 * the volume commands the directory storage driver uses.
 */
import { run } from '../lib/exec.js';
import { qemuImgTarget, type DiskSource } from './import-format.js';
import type { DiskFormat, ImageInspector, VolumeInfo } from './inspector.js';

interface QemuImgInfo {
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'format-specific'?: { data?: { 'data-file'?: string; 'create-type'?: string; extents?: unknown[] } };
}

/** Parses the `(12.34/100%)` progress lines of `qemu-img convert -p`. */
export function parseQemuImgProgress(chunk: string): number | undefined {
  const matches = [...chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) / 100 : undefined;
}

/** Probing untrusted images runs under these limits (as OpenStack does after CVE-2015-5162). */
const PROBE_LIMITS = ['prlimit', '--as=1073741824', '--cpu=30', '--'];

/** Converting an untrusted image: bounded memory, no CPU-time limit (a large disk takes long). */
const CONVERT_LIMITS = ['prlimit', '--as=2147483648', '--'];

function toVolumeInfo(parsed: QemuImgInfo): VolumeInfo {
  const data = parsed['format-specific']?.data;
  return {
    format: parsed.format,
    virtualSizeBytes: parsed['virtual-size'],
    actualSizeBytes: parsed['actual-size'] ?? 0,
    backingFile: parsed['full-backing-filename'] ?? parsed['backing-filename'],
    ...(parsed['backing-filename-format'] ? { backingFormat: parsed['backing-filename-format'] } : {}),
    dataFile: data?.['data-file'],
    ...(parsed.format === 'vmdk' ? { vmdk: { createType: data?.['create-type'] ?? '', extents: data?.extents?.length ?? 0 } } : {}),
  };
}

/** The qemu-img commands onebox uses. */
export class QemuImg implements ImageInspector {
  constructor(private readonly binary = 'qemu-img') {}

  async info(path: string, format: DiskFormat): Promise<VolumeInfo> {
    const { stdout } = await run([...PROBE_LIMITS, this.binary, 'info', '--output=json', '-U', '-f', format, path]);
    return toVolumeInfo(JSON.parse(stdout) as QemuImgInfo);
  }

  async inspectSource(source: DiskSource): Promise<VolumeInfo> {
    const target = qemuImgTarget(source);
    // A json: spec names its driver itself; a plain path gets the format pinned with -f.
    const format = source.range ? [] : ['-f', source.format];
    const { stdout } = await run([...PROBE_LIMITS, this.binary, 'info', '--output=json', '-U', ...format, target]);
    return toVolumeInfo(JSON.parse(stdout) as QemuImgInfo);
  }

  async convertToQcow2(source: DiskSource, dest: string, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
    const format = source.range ? [] : ['-f', source.format];
    // It dies with onebox (PR_SET_PDEATHSIG): the restart sweeps the temporary directory, and a conversion that outlived the server would only burn CPU into a deleted file.
    await run(['setpriv', '--pdeathsig', 'KILL', '--', ...CONVERT_LIMITS, this.binary, 'convert', '-p', ...format, '-O', 'qcow2', qemuImgTarget(source), dest], {
      timeoutMs: 6 * 60 * 60_000,
      signal,
      onStdout: (chunk) => {
        const fraction = parseQemuImgProgress(chunk);
        if (fraction !== undefined) onProgress?.(fraction);
      },
    });
  }

  async check(path: string): Promise<void> {
    await run([...PROBE_LIMITS, this.binary, 'check', '-q', '-f', 'qcow2', path], { timeoutMs: 10 * 60_000 });
  }

  async createBlank(path: string, sizeBytes: number): Promise<void> {
    await run([this.binary, 'create', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
  }

  async createOverlay(path: string, backingPath: string, backingFormat: DiskFormat, sizeBytes: number): Promise<void> {
    await run([this.binary, 'create', '-q', '-f', 'qcow2', '-b', backingPath, '-F', backingFormat, path, String(sizeBytes)]);
  }

  /** A qcow2 overlay of `sizeBytes` on a qcow2 file without opening it (-u): the file may be in use by a running guest. */
  async createOverlayUnchecked(path: string, backingPath: string, sizeBytes: number): Promise<void> {
    await run([this.binary, 'create', '-q', '-u', '-f', 'qcow2', '-b', backingPath, '-F', 'qcow2', path, String(sizeBytes)]);
  }

  /** Copies a file as it is (same format, no conversion) to `dest`, a path or an nfs:// URL. */
  async copyAs(source: string, format: DiskFormat, dest: string): Promise<void> {
    await this.convertWithProgress(['-f', format, '-O', format, source, dest]);
  }

  /** Grows a qcow2 image (qemu-img refuses to shrink without --shrink, which onebox never passes). */
  async resize(path: string, sizeBytes: number): Promise<void> {
    await run([this.binary, 'resize', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
  }

  /**
   * Rebases a qcow2 image onto `backingPath` (undefined: none) in safe mode, copying the clusters that
   * differ first. It dies with onebox (PR_SET_PDEATHSIG): a rebase that outlived a killed server would
   * change the chain after the restart had reconciled the tree with it.
   */
  async rebase(path: string, backingPath: string | undefined, backingFormat: DiskFormat): Promise<void> {
    const backing = backingPath === undefined ? ['-b', ''] : ['-b', backingPath, '-F', backingFormat];
    await run(['setpriv', '--pdeathsig', 'KILL', '--', this.binary, 'rebase', '-q', '-f', 'qcow2', ...backing, path], { timeoutMs: 6 * 60 * 60_000 });
  }

  /** Copies `source` into an independent qcow2, then grows it to `sizeBytes` when that is larger. */
  async convert(path: string, source: string, sourceFormat: DiskFormat, sizeBytes: number, onProgress?: (f: number) => void): Promise<void> {
    await this.convertWithProgress(['-f', sourceFormat, '-O', 'qcow2', source, path], onProgress);
    const info = await this.info(path, 'qcow2');
    if (sizeBytes > info.virtualSizeBytes) await this.resize(path, sizeBytes);
  }

  /** Flattens a qcow2 (and its backing chain) into one self-contained, compressed qcow2: an image to share. */
  async flattenCompressed(path: string, source: string, onProgress?: (f: number) => void): Promise<void> {
    await this.convertWithProgress(['-f', 'qcow2', '-O', 'qcow2', '-c', source, path], onProgress);
  }

  /**
   * Rewrites a qcow2 into a new file holding only the clusters in use (a compacted copy). With a
   * backing file the copy keeps it: only what differs from the backing file is written.
   */
  async rewrite(path: string, source: string, backing: { path: string; format: DiskFormat } | undefined, onProgress?: (f: number) => void): Promise<void> {
    const keep = backing ? ['-B', backing.path, '-F', backing.format] : [];
    await this.convertWithProgress(['-f', 'qcow2', '-O', 'qcow2', ...keep, source, path], onProgress);
  }

  /**
   * `qemu-img convert -p …` as a child process, its progress lines parsed as they come. It dies with
   * onebox (PR_SET_PDEATHSIG): a copy that outlived a killed server would keep writing a file the
   * restart has already swept.
   */
  private async convertWithProgress(args: string[], onProgress?: (f: number) => void): Promise<void> {
    await run(['setpriv', '--pdeathsig', 'KILL', '--', this.binary, 'convert', '-p', ...args], {
      timeoutMs: 6 * 60 * 60_000,
      onStdout: (chunk) => {
        const fraction = parseQemuImgProgress(chunk);
        if (fraction !== undefined) onProgress?.(fraction);
      },
    });
  }
}
