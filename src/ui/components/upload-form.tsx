/** @jsxImportSource hono/jsx/dom */
/**
 * Upload of a disk image or an ISO: the raw file as the request body, with a real progress bar
 * (percentage and rate). A vmdk, vhdx, vdi or ova is then converted on the server: a second bar
 * follows that operation. After a successful upload the form is empty and ready for the next file.
 */
import { useRef, useState } from 'hono/jsx/dom';
import { imageTagListSchema, imageUploadQuerySchema, mediaUploadQuerySchema } from '../../shared/schemas.js';
import type { Accepted } from '../../shared/api-types.js';
import { api, type RunningUpload, type UploadProgress } from '../api.js';
import { bytes, rate } from '../format.js';
import { schemaErrors, useForm, useMounted } from '../form.js';
import { t, translateSentence } from '../i18n/index.js';
import { addTask, errorText } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { ProgressBar } from './progress-bar.js';

/** The name proposed for a picked file: an image's without its extension, an ISO's as it is. */
const nameOf = (kind: 'images' | 'media', file: File) => (kind === 'images' ? file.name.replace(/\.(qcow2|img|raw|vmdk|vhdx|vdi|ova)$/i, '') : file.name);

/** Progress line under the bar. */
function UploadProgressLine({ progress }: { progress: UploadProgress }) {
  const pct = (progress.loaded / Math.max(1, progress.total)) * 100;
  return (
    <div class="upload-progress" data-testid="upload-progress">
      <ProgressBar value={pct} label={t.upload.progressLabel} />
      <div class="muted small">
        <span class="upload-percent">{Math.floor(pct)}%</span> · {t.upload.progress(bytes(progress.loaded), bytes(progress.total), rate(progress.rate))}
        {progress.loaded >= progress.total && ` · ${t.upload.checking}`}
      </div>
    </div>
  );
}

/** Progress of the server's conversion, after the upload bar. */
function ConversionProgressLine({ percent }: { percent: number }) {
  return (
    <div class="upload-progress" data-testid="conversion-progress">
      <ProgressBar value={percent} label={t.upload.convertingLabel} />
      <div class="muted small">
        <span class="upload-percent">{Math.floor(percent)}%</span> · {t.upload.converting}
      </div>
    </div>
  );
}

/** Upload form for `images` (with OS and tags fields) or `media`; `onDone` runs after each successful upload. */
export function UploadForm({ kind, onDone }: { kind: 'images' | 'media'; onDone: () => void }) {
  const form = useForm({ name: '', os: '', tags: '' });
  const [file, setFile] = useState<File | undefined>(undefined);
  const [progress, setProgress] = useState<UploadProgress | undefined>(undefined);
  const [converting, setConverting] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const current = useRef<RunningUpload<unknown> | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const mounted = useMounted();
  const busy = progress !== undefined;
  // Tags are checked as you type, like in the edit dialog.
  const tagsError = kind === 'images' && !imageTagListSchema.safeParse(form.values.tags).success ? Object.values(schemaErrors(imageTagListSchema, form.values.tags))[0] : undefined;

  const pick = (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    setFile(f);
    if (f && !form.values.name) form.set('name', nameOf(kind, f));
  };

  /** Empties the form, the file input included (so even the same file can be picked again). */
  const reset = () => {
    setFile(undefined);
    form.patch({ name: '', os: '', tags: '' });
    if (fileInput.current) fileInput.current.value = '';
  };

  const start = async (e: Event) => {
    e.preventDefault();
    if (!file) return setError(t.upload.chooseFile);
    const { name, os, tags } = form.values;
    const meta = kind === 'images' ? imageUploadQuerySchema.safeParse({ name, os, tags }) : mediaUploadQuerySchema.safeParse({ name });
    if (!meta.success) return setError(translateSentence(meta.error.issues[0]?.message ?? ''));
    setError(undefined);
    setProgress({ loaded: 0, total: file.size, rate: 0 });
    const task = addTask(t.upload.task(meta.data.name));
    const onProgress = (p: UploadProgress) => {
      if (mounted.current) setProgress(p);
      task({ progress: Math.floor((p.loaded / Math.max(1, p.total)) * 100), message: t.upload.progress(bytes(p.loaded), bytes(p.total), rate(p.rate)) });
    };
    const up: RunningUpload<unknown> = kind === 'images' ? api.images.upload(file, meta.data, onProgress) : api.media.upload(file, meta.data, onProgress);
    current.current = up;
    try {
      const result = await up.done;
      if (result && typeof result === 'object' && 'operation' in result) await followConversion(result as Accepted, task);
      task({ state: 'succeeded', progress: 100, label: t.upload.done(meta.data.name) });
      if (mounted.current) reset();
      onDone();
    } catch (err) {
      task({ state: 'failed', error: errorText(err) });
      if (mounted.current) setError(errorText(err));
    } finally {
      current.current = null;
      if (mounted.current) {
        setProgress(undefined);
        setConverting(undefined);
      }
    }
  };

  /** Follows the server's conversion of the uploaded file (its operation) on the second bar and in the task. */
  const followConversion = async ({ operation }: Accepted, task: ReturnType<typeof addTask>) => {
    current.current = null; // the upload is over: nothing left to cancel
    if (mounted.current) setConverting(0);
    await api.operations.wait(operation, (op) => {
      if (mounted.current) setConverting(op.progress);
      task({ progress: op.progress, message: t.upload.converting });
    });
  };

  return (
    <form class="card upload" onSubmit={start} aria-label={t.upload.formLabel}>
      <h2>{kind === 'images' ? t.upload.titleImage : t.upload.titleIso}</h2>
      <div class="upload-fields">
        <Field label={t.upload.file}>
          <input ref={fileInput} type="file" name="file" accept={kind === 'media' ? '.iso' : undefined} onChange={pick} disabled={busy} />
        </Field>
        <Field label={t.upload.name}>
          <input name="name" value={form.values.name} onInput={form.text('name')} disabled={busy} />
        </Field>
        {kind === 'images' && (
          <Field label={t.upload.os}>
            <input name="os" value={form.values.os} placeholder={t.upload.osPlaceholder} onInput={form.text('os')} disabled={busy} />
          </Field>
        )}
        {kind === 'images' && (
          <Field label={t.images.tags} hint={t.images.tagsHint} error={tagsError}>
            <input name="tags" value={form.values.tags} onInput={form.text('tags')} disabled={busy} />
          </Field>
        )}
        <div class="field upload-button">
          {busy ? (
            <button type="button" class="button" onClick={() => current.current?.abort()} disabled={converting !== undefined}>
              {t.common.cancel}
            </button>
          ) : (
            <button type="submit" class="button button-primary" disabled={!file || Boolean(tagsError)}>
              {t.upload.upload}
            </button>
          )}
        </div>
      </div>
      {progress && <UploadProgressLine progress={progress} />}
      {converting !== undefined && <ConversionProgressLine percent={converting} />}
      <ErrorNote message={error} />
    </form>
  );
}
