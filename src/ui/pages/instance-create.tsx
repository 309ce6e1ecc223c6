/** @jsxImportSource hono/jsx/dom */
/** The create-instance dialog: validated with the shared zod schema, tracked as an operation. */
import { useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Image, Media, Pool } from '../../shared/api-types.js';
import { createInstanceSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { CloudInitFields } from '../components/cloud-init-fields.js';
import { ErrorNote } from '../components/error-note.js';
import { Modal } from '../components/modal.js';
import { bytes } from '../format.js';
import { navigate } from '../router.js';
import { errorText, trackOperation } from '../store.js';

type Source = 'blank' | 'image' | 'cloud-init';

interface Choices {
  pools: Pool[];
  images: Image[];
  media: Media[];
}

const value = (e: Event) => (e.target as HTMLInputElement).value;
const checked = (e: Event) => (e.target as HTMLInputElement).checked;

/** Builds the request body from the form fields (numbers parsed; empty optional fields left out). */
function body(f: Record<string, string | boolean>) {
  const size = String(f.sizeGiB).trim();
  const disk =
    f.source === 'blank'
      ? { source: 'blank', sizeGiB: Number(size || 0) }
      : { source: 'image', imageId: f.imageId, clone: f.clone, ...(size ? { sizeGiB: Number(size) } : {}) };
  const keys = String(f.sshKeys)
    .split('\n')
    .map((k) => k.trim())
    .filter(Boolean);
  const cloudInit =
    f.source === 'cloud-init'
      ? {
          cloudInit: {
            ...(f.ciPassword ? { password: f.ciPassword } : {}),
            ...(keys.length ? { sshAuthorizedKeys: keys } : {}),
            ...(String(f.userData).trim() ? { userData: f.userData } : {}),
          },
        }
      : {};
  const dataDisks = String(f.dataDisks)
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => ({ sizeGiB: Number(x) }));
  return {
    name: f.name,
    pool: f.pool,
    cores: Number(f.cores),
    memoryMiB: Number(f.memoryMiB),
    disk,
    dataDisks,
    ...cloudInit,
    ...(f.mediaId ? { mediaId: f.mediaId } : {}),
    autostart: f.autostart,
    start: f.start,
  };
}

/** Field errors by path (`disk.sizeGiB` → "disk.sizeGiB"). */
function fieldErrors(input: unknown): Record<string, string> {
  const parsed = createInstanceSchema.safeParse(input);
  if (parsed.success) return {};
  const out: Record<string, string> = {};
  // Errors of one data disk ("dataDisks.1.sizeGiB") or one SSH key show under their single field.
  for (const issue of parsed.error.issues) {
    const path = issue.path.join('.');
    const key = issue.path[0] === 'dataDisks' ? 'dataDisks' : path.startsWith('cloudInit.sshAuthorizedKeys') ? 'cloudInit.sshAuthorizedKeys' : path;
    out[key] ??= issue.message;
  }
  return out;
}

/** New-instance form in a modal. */
export function CreateInstanceDialog({ onClose }: { onClose: () => void }) {
  const [choices, setChoices] = useState<Choices | undefined>(undefined);
  const [f, setF] = useState<Record<string, string | boolean>>({
    name: '', pool: 'default', cores: '1', memoryMiB: '512', source: 'blank', imageId: '', clone: 'linked', sizeGiB: '10', dataDisks: '', ciPassword: '', sshKeys: '', userData: '', mediaId: '', autostart: false, start: true,
  });
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    Promise.all([api.pools.list(), api.images.list(), api.media.list()]).then(
      ([pools, images, media]) => {
        setChoices({ pools, images, media });
        setF((cur) => ({ ...cur, pool: pools[0]?.name ?? 'default', imageId: images[0]?.id ?? '' }));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, []);
  const set = (key: string, v: string | boolean) => setF((cur) => ({ ...cur, [key]: v }));
  const setSource = (source: Source) => setF((cur) => ({ ...cur, source, sizeGiB: source === 'blank' ? '10' : '' }));
  const errors = touched ? fieldErrors(body(f)) : {};

  const submit = async (e: Event) => {
    e.preventDefault();
    setTouched(true);
    const parsed = createInstanceSchema.safeParse(body(f));
    if (!parsed.success) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.instances.create(parsed.data);
      onClose();
      trackOperation(`Creating ${res.instance.name}`, res.operation).catch(() => undefined);
      navigate('instances', res.instance.id);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const err = (path: string) => errors[path] && <span class="field-error">{errors[path]}</span>;
  const image = choices?.images.find((i) => i.id === f.imageId);
  return (
    <Modal title="New instance" onClose={onClose} wide>
      <form class="form-grid" onSubmit={submit} noValidate>
        <label class="field">
          <span>Name</span>
          <input name="name" value={String(f.name)} placeholder="web-1" onInput={(e: Event) => set('name', value(e))} autofocus />
          {err('name')}
        </label>
        <label class="field">
          <span>Pool</span>
          <select name="pool" value={String(f.pool)} onChange={(e: Event) => set('pool', value(e))}>
            {(choices?.pools ?? []).map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Cores</span>
          <input name="cores" type="number" min="1" value={String(f.cores)} onInput={(e: Event) => set('cores', value(e))} />
          {err('cores')}
        </label>
        <label class="field">
          <span>Memory (MiB)</span>
          <input name="memoryMiB" type="number" min="64" step="64" value={String(f.memoryMiB)} onInput={(e: Event) => set('memoryMiB', value(e))} />
          {err('memoryMiB')}
        </label>
        <fieldset class="field span-2">
          <legend>System disk</legend>
          <div class="radio-row">
            <label>
              <input type="radio" name="source" value="blank" checked={f.source === 'blank'} onChange={() => setSource('blank')} /> Blank
            </label>
            <label>
              <input type="radio" name="source" value="image" checked={f.source === 'image'} onChange={() => setSource('image')} /> From an image
            </label>
            <label>
              <input type="radio" name="source" value="cloud-init" checked={f.source === 'cloud-init'} onChange={() => setSource('cloud-init')} /> Image with
              cloud-init
            </label>
          </div>
        </fieldset>
        {f.source !== 'blank' && (
          <>
            <label class="field">
              <span>Image</span>
              <select name="imageId" value={String(f.imageId)} onChange={(e: Event) => set('imageId', value(e))}>
                {(choices?.images ?? []).length === 0 && <option value="">No image uploaded yet</option>}
                {(choices?.images ?? []).map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.name} ({bytes(i.virtualSizeBytes)})
                  </option>
                ))}
              </select>
              {err('disk.imageId')}
            </label>
            <label class="field">
              <span>Copy</span>
              <select name="clone" value={String(f.clone)} onChange={(e: Event) => set('clone', value(e))}>
                <option value="linked">Linked clone (instant)</option>
                <option value="full">Full copy</option>
              </select>
            </label>
          </>
        )}
        {f.source === 'cloud-init' && <CloudInitFields f={f} set={set} err={err} />}
        <label class="field">
          <span>Disk size (GiB){f.source !== 'blank' ? ' — optional' : ''}</span>
          <input
            name="sizeGiB"
            type="number"
            min="1"
            value={String(f.sizeGiB)}
            placeholder={image ? `${Math.ceil(image.virtualSizeBytes / 1024 ** 3)} (the image's size)` : ''}
            onInput={(e: Event) => set('sizeGiB', value(e))}
          />
          {err('disk.sizeGiB')}
        </label>
        <label class="field">
          <span>Data disks (GiB, comma-separated) — optional</span>
          <input name="dataDisks" value={String(f.dataDisks)} placeholder="e.g. 20, 100" onInput={(e: Event) => set('dataDisks', value(e))} />
          {err('dataDisks')}
        </label>
        <label class="field">
          <span>ISO to attach</span>
          <select name="mediaId" value={String(f.mediaId)} onChange={(e: Event) => set('mediaId', value(e))}>
            <option value="">None</option>
            {(choices?.media ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <div class="field span-2 checks">
          <label>
            <input name="autostart" type="checkbox" checked={Boolean(f.autostart)} onChange={(e: Event) => set('autostart', checked(e))} /> Start when the host starts
          </label>
          <label>
            <input name="start" type="checkbox" checked={Boolean(f.start)} onChange={(e: Event) => set('start', checked(e))} /> Start after creating
          </label>
        </div>
        <div class="span-2">
          <ErrorNote message={error} />
        </div>
        <div class="form-actions span-2">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
