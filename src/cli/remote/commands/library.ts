/** `onebox images …` and `onebox media …`: list, streamed uploads with a progress bar, URL import, delete. */
import { openAsBlob, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { RunningUpload, UploadProgress } from '../../../shared/api-client.js';
import { CliError, EXIT } from '../errors.js';
import { field, type Column } from '../output.js';
import { humanBytes, progressBar } from '../progress.js';
import type { CommandContext, GroupSpec } from '../spec.js';
import { waitOrPrint } from '../wait.js';

const SIZE: Column = { heading: 'SIZE', value: (r) => humanBytes(Number(r.sizeBytes ?? 0)) };
/** Columns of the image list. */
export const IMAGE_COLUMNS: Column[] = [field('name', 'NAME'), field('id', 'ID'), field('format', 'FORMAT'), SIZE, field('os', 'OS'), field('tags', 'TAGS')];
/** Columns of the media list. */
export const MEDIA_COLUMNS: Column[] = [field('name', 'NAME'), field('id', 'ID'), SIZE, field('description', 'DESCRIPTION')];

/** The file as a Blob read from disk as it is sent (never in memory), or a clear error. */
async function fileBlob(path: string): Promise<Blob> {
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    return await openAsBlob(path);
  } catch (err) {
    throw new CliError(`Cannot read '${path}': ${err instanceof Error ? err.message : String(err)}.`, 'file_unreadable', EXIT.usage);
  }
}

/** Runs an upload with a progress bar on a terminal. */
async function withBar<T>(file: string, start: (onProgress: (p: UploadProgress) => void) => RunningUpload<T>): Promise<T> {
  const bar = progressBar();
  const name = basename(file);
  try {
    return await start((p) => bar.update(p.total ? p.loaded / p.total : 1, `${name} ${humanBytes(p.loaded)}/${humanBytes(p.total)} ${humanBytes(p.rate)}/s`)).done;
  } finally {
    bar.done();
  }
}

const uploadFlags = [{ name: 'name', type: 'string', placeholder: 'NAME', help: 'name on the server (default: the file name)' }] as const;

async function uploadImage(ctx: CommandContext): Promise<void> {
  const file = ctx.args.FILE ?? '';
  const blob = await fileBlob(file);
  const meta = { name: (ctx.flags.name as string | undefined) ?? basename(file).replace(/\.(qcow2|img|raw|vmdk|vhdx|vdi|ova)$/i, ''), description: ctx.flags.description as string | undefined, os: ctx.flags.os as string | undefined };
  const uploaded = await withBar(file, (onProgress) => ctx.client().images.upload(blob, meta, onProgress));
  // A vmdk, vhdx, vdi or ova is converted on the server after the upload: follow that operation too.
  if ('id' in uploaded) return ctx.print(uploaded);
  if (!(await waitOrPrint(ctx, uploaded.operation))) return;
  ctx.print(await ctx.client().images.get(uploaded.imageId));
}

async function importImage(ctx: CommandContext): Promise<void> {
  const client = ctx.client();
  const accepted = await client.images.importUrl({ url: ctx.args.URL ?? '', name: ctx.flags.name as string, sha256: ctx.flags.sha256 as string | undefined, description: ctx.flags.description as string | undefined });
  if (!(await waitOrPrint(ctx, accepted.operation))) return;
  ctx.print(await client.images.get(accepted.imageId));
}

/** The images group. */
export const IMAGES: GroupSpec = {
  name: 'images',
  summary: 'disk images: list, upload, import from a URL, delete',
  commands: [
    { name: 'list', summary: 'list the images', output: true, run: async (ctx) => ctx.print(await ctx.client().images.list(), IMAGE_COLUMNS) },
    {
      name: 'upload',
      summary: 'upload a disk image file (qcow2, raw, vmdk, vhdx, vdi, ova), streamed with a progress bar; waits for the conversion of all but qcow2 and raw',
      args: [{ name: 'FILE', complete: 'file' }],
      output: true,
      long: true,
      flags: [...uploadFlags, { name: 'description', type: 'string', placeholder: 'TEXT', help: 'a description' }, { name: 'os', type: 'string', placeholder: 'OS', help: 'the guest OS, e.g. debian' }],
      run: uploadImage,
    },
    {
      name: 'import',
      summary: 'import an image from an http(s) URL (the server downloads it)',
      args: [{ name: 'URL' }],
      output: true,
      long: true,
      flags: [
        { name: 'name', type: 'string', placeholder: 'NAME', help: 'name of the new image (required)' },
        { name: 'sha256', type: 'string', placeholder: 'HEX', help: 'expected SHA-256 of the download' },
        { name: 'description', type: 'string', placeholder: 'TEXT', help: 'a description' },
      ],
      run: importImage,
    },
    {
      name: 'delete',
      summary: 'delete an image (refused while instances use it)',
      args: [{ name: 'IMAGE', complete: 'images' }],
      run: async (ctx) => {
        await ctx.client().images.delete(ctx.args.IMAGE ?? '');
        ctx.say(`Deleted ${ctx.args.IMAGE}.`);
      },
    },
  ],
};

/** The media group. */
export const MEDIA: GroupSpec = {
  name: 'media',
  summary: 'ISO images: list, upload, delete',
  commands: [
    { name: 'list', summary: 'list the ISOs', output: true, run: async (ctx) => ctx.print(await ctx.client().media.list(), MEDIA_COLUMNS) },
    {
      name: 'upload',
      summary: 'upload an ISO file, streamed with a progress bar',
      args: [{ name: 'FILE', complete: 'file' }],
      output: true,
      flags: [...uploadFlags],
      run: async (ctx) => {
        const file = ctx.args.FILE ?? '';
        const blob = await fileBlob(file);
        const name = (ctx.flags.name as string | undefined) ?? basename(file);
        ctx.print(await withBar(file, (onProgress) => ctx.client().media.upload(blob, { name }, onProgress)));
      },
    },
    {
      name: 'delete',
      summary: 'delete an ISO',
      args: [{ name: 'MEDIA', complete: 'media' }],
      run: async (ctx) => {
        await ctx.client().media.delete(ctx.args.MEDIA ?? '');
        ctx.say(`Deleted ${ctx.args.MEDIA}.`);
      },
    },
  ],
};
