/** @jsxImportSource hono/jsx/dom */
/** Upload of a disk image or an ISO: the raw file as the request body, with a real progress bar (percentage and rate). */
import { useRef, useState } from 'hono/jsx/dom';
import { imageUploadQuerySchema, mediaUploadQuerySchema } from '../../shared/schemas.js';
import { api, type RunningUpload, type UploadProgress } from '../api.js';
import { bytes, rate } from '../format.js';
import { addTask, errorText } from '../store.js';
import { ErrorNote } from './error-note.js';
import { ProgressBar } from './progress-bar.js';

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** Upload form for `images` (with an OS field) or `media`. */
export function UploadForm({ kind, onDone }: { kind: 'images' | 'media'; onDone: () => void }) {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [name, setName] = useState('');
  const [os, setOs] = useState('');
  const [progress, setProgress] = useState<UploadProgress | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const current = useRef<RunningUpload<unknown> | null>(null);
  const busy = progress !== undefined;

  const pick = (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    setFile(f);
    if (f && !name) setName(kind === 'images' ? f.name.replace(/\.(qcow2|img|raw)$/i, '') : f.name);
  };

  const start = async (e: Event) => {
    e.preventDefault();
    if (!file) return setError('Choose a file to upload.');
    const meta = kind === 'images' ? imageUploadQuerySchema.safeParse({ name, os }) : mediaUploadQuerySchema.safeParse({ name });
    if (!meta.success) return setError(meta.error.issues[0]?.message);
    setError(undefined);
    setProgress({ loaded: 0, total: file.size, rate: 0 });
    const task = addTask(`Uploading ${meta.data.name}`);
    const onProgress = (p: UploadProgress) => {
      setProgress(p);
      task({ progress: Math.floor((p.loaded / Math.max(1, p.total)) * 100), message: `${bytes(p.loaded)} of ${bytes(p.total)} · ${rate(p.rate)}` });
    };
    const up: RunningUpload<unknown> = kind === 'images' ? api.images.upload(file, meta.data, onProgress) : api.media.upload(file, meta.data, onProgress);
    current.current = up;
    try {
      await up.done;
      task({ state: 'succeeded', progress: 100 });
      setFile(undefined);
      setName('');
      setOs('');
      onDone();
    } catch (err) {
      task({ state: 'failed', error: errorText(err) });
      setError(errorText(err));
    } finally {
      current.current = null;
      setProgress(undefined);
    }
  };

  const pct = progress ? (progress.loaded / Math.max(1, progress.total)) * 100 : 0;
  return (
    <form class="card upload" onSubmit={start} aria-label="Upload">
      <h2>Upload {kind === 'images' ? 'a disk image (qcow2 or raw)' : 'an ISO'}</h2>
      <div class="upload-fields">
        <label class="field">
          <span>File</span>
          <input type="file" name="file" accept={kind === 'media' ? '.iso' : undefined} onChange={pick} disabled={busy} />
        </label>
        <label class="field">
          <span>Name</span>
          <input name="name" value={name} onInput={(e: Event) => setName(value(e))} disabled={busy} />
        </label>
        {kind === 'images' && (
          <label class="field">
            <span>OS (optional)</span>
            <input name="os" value={os} placeholder="linux" onInput={(e: Event) => setOs(value(e))} disabled={busy} />
          </label>
        )}
        <div class="field upload-button">
          {busy ? (
            <button type="button" class="button" onClick={() => current.current?.abort()}>
              Cancel
            </button>
          ) : (
            <button type="submit" class="button button-primary" disabled={!file}>
              Upload
            </button>
          )}
        </div>
      </div>
      {progress && (
        <div class="upload-progress" data-testid="upload-progress">
          <ProgressBar value={pct} label="Upload progress" />
          <div class="muted small">
            <span class="upload-percent">{Math.floor(pct)}%</span> · {bytes(progress.loaded)} of {bytes(progress.total)} · {rate(progress.rate)}
            {progress.loaded >= progress.total && ' · checking the file…'}
          </div>
        </div>
      )}
      <ErrorNote message={error} />
    </form>
  );
}
