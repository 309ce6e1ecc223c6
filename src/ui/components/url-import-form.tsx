/** @jsxImportSource hono/jsx/dom */
/**
 * Import of a disk image from an http(s) URL (a cloud image, an OVA on a web server): URL,
 * optional SHA-256 and name; the server downloads and converts it in an operation whose
 * progress shows here and in the activity panel.
 */
import { useState } from 'hono/jsx/dom';
import { imageUrlImportSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { useForm, useMounted } from '../form.js';
import { t, translateSentence } from '../i18n/index.js';
import { addTask, errorText } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { ProgressBar } from './progress-bar.js';

/** The name proposed for a URL: its last path segment without a disk extension. */
const nameOfUrl = (url: string) => decodeURIComponent(url.split(/[?#]/)[0].split('/').filter(Boolean).at(-1) ?? '').replace(/\.(qcow2|img|raw|vmdk|vhdx|vdi|ova)$/i, '');

/** The "Import from URL" form of the images page; `onDone` runs after each successful import. */
export function UrlImportForm({ onDone }: { onDone: () => void }) {
  const form = useForm({ url: '', sha256: '', name: '' });
  const [progress, setProgress] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const mounted = useMounted();
  const busy = progress !== undefined;

  const start = async (e: Event) => {
    e.preventDefault();
    const { url, sha256, name } = form.values;
    const parsed = imageUrlImportSchema.safeParse({ url, name: name || nameOfUrl(url), ...(sha256.trim() ? { sha256 } : {}) });
    if (!parsed.success) return setError(translateSentence(parsed.error.issues[0]?.message ?? ''));
    setError(undefined);
    setProgress(0);
    const task = addTask(t.urlImport.task(parsed.data.name));
    try {
      const { operation } = await api.images.importUrl(parsed.data);
      await api.operations.wait(operation, (op) => {
        if (mounted.current) setProgress(op.progress);
        task({ progress: op.progress });
      });
      task({ state: 'succeeded', progress: 100, label: t.urlImport.done(parsed.data.name) });
      if (mounted.current) form.patch({ url: '', sha256: '', name: '' });
      onDone();
    } catch (err) {
      task({ state: 'failed', error: errorText(err) });
      if (mounted.current) setError(errorText(err));
    } finally {
      if (mounted.current) setProgress(undefined);
    }
  };

  return (
    <form class="card upload" onSubmit={start} aria-label={t.urlImport.formLabel} data-testid="url-import">
      <h2>{t.urlImport.title}</h2>
      <div class="upload-fields">
        <Field label={t.urlImport.url}>
          <input name="url" type="url" value={form.values.url} placeholder={t.urlImport.urlPlaceholder} onInput={form.text('url')} disabled={busy} />
        </Field>
        <Field label={t.urlImport.sha256}>
          <input name="sha256" value={form.values.sha256} onInput={form.text('sha256')} disabled={busy} />
        </Field>
        <Field label={t.upload.name}>
          <input name="name" value={form.values.name} placeholder={nameOfUrl(form.values.url)} onInput={form.text('name')} disabled={busy} />
        </Field>
        <div class="field upload-button">
          <button type="submit" class="button button-primary" disabled={busy || !form.values.url.trim()}>
            {t.urlImport.start}
          </button>
        </div>
      </div>
      {progress !== undefined && (
        <div class="upload-progress" data-testid="url-import-progress">
          <ProgressBar value={progress} label={t.urlImport.progressLabel} />
          <div class="muted small">
            <span class="upload-percent">{progress}%</span> {t.urlImport.working}
          </div>
        </div>
      )}
      <ErrorNote message={error} />
    </form>
  );
}
