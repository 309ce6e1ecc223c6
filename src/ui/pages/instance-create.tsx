/** @jsxImportSource hono/jsx/dom */
/**
 * The create-instance dialog: validated with the shared zod schema, tracked as an operation.
 * Its defaults boot: "from an image" whenever one exists; a blank disk without an ISO needs a
 * tick that says the instance cannot boot yet; with nothing to install from it leads to the
 * upload.
 */
import { useState } from 'hono/jsx/dom';
import type { AddressPool, Image, Media, Network, Operation, Pool } from '../../shared/api-types.js';
import { batchCreateSchema, MAX_BATCH_ITEMS } from '../../shared/batch.js';
import { createInstanceSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { useApiFieldErrors } from '../api-field-errors.js';
import { CloudInitFields } from '../components/cloud-init-fields.js';
import { DataDiskFormatFields, dataDisksBody, type DataDiskFormat } from '../components/data-disk-format-fields.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { Modal } from '../components/modal.js';
import { NIC_CODE_FIELDS, NicFields, nicDefaults, nicsBody, type NicFieldValues } from '../components/nic-fields.js';
import { bytes } from '../format.js';
import { schemaErrors, useForm, useSubmit, type Form } from '../form.js';
import { useEffect } from '../hooks.js';
import { t } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { errorText, trackOperation } from '../store.js';

type Source = 'blank' | 'image' | 'cloud-init';

/** The dialog's fields. */
export interface CreateFields extends NicFieldValues {
  name: string;
  /** How many to create; above 1 the name is a prefix (a batch). */
  count: string;
  pool: string;
  cores: string;
  memoryMiB: string;
  /** Empty: the start value. */
  maxCores: string;
  maxMemoryMiB: string;
  source: Source;
  imageId: string;
  clone: string;
  sizeGiB: string;
  dataDisks: string;
  ciPassword: string;
  sshKeys: string;
  userData: string;
  mediaId: string;
  autostart: boolean;
  start: boolean;
  /** The user accepts a blank disk with no ISO (nothing to boot from yet). */
  confirmBlank: boolean;
}

interface Choices {
  pools: Pool[];
  images: Image[];
  media: Media[];
  networks: Network[];
  addressPools: AddressPool[];
}

const lines = (s: string) => s.split('\n').map((k) => k.trim()).filter(Boolean);

/** Builds the request body from the fields and the data disks' formatting (numbers parsed; empty optional fields left out). */
function body(f: CreateFields, formats: DataDiskFormat[]) {
  const size = f.sizeGiB.trim();
  const disk =
    f.source === 'blank'
      ? { source: 'blank' as const, sizeGiB: Number(size || 0) }
      : { source: 'image' as const, imageId: f.imageId, clone: f.clone as 'linked' | 'full', ...(size ? { sizeGiB: Number(size) } : {}) };
  const keys = lines(f.sshKeys);
  const cloudInit =
    f.source === 'cloud-init'
      ? { cloudInit: { ...(f.ciPassword ? { password: f.ciPassword } : {}), ...(keys.length ? { sshAuthorizedKeys: keys } : {}), ...(f.userData.trim() ? { userData: f.userData } : {}) } }
      : {};
  const dataDisks = dataDisksBody(f.dataDisks, formats);
  const nics = nicsBody(f);
  return {
    name: f.name,
    pool: f.pool,
    cores: Number(f.cores),
    memoryMiB: Number(f.memoryMiB),
    ...(f.maxCores.trim() ? { maxCores: Number(f.maxCores) } : {}),
    ...(f.maxMemoryMiB.trim() ? { maxMemoryMiB: Number(f.maxMemoryMiB) } : {}),
    disk,
    dataDisks,
    ...cloudInit,
    ...(f.mediaId ? { mediaId: f.mediaId } : {}),
    ...(nics ? { nics } : {}),
    autostart: f.autostart,
    start: f.start,
  };
}

/** How many the fields ask for (1 when the count is empty or not a number). */
const countOf = (f: CreateFields) => (f.count.trim() === '' ? 1 : Number(f.count));

/** The batch request for a count above 1: the name is the prefix. */
function batchBody(f: CreateFields, formats: DataDiskFormat[]) {
  const { name, ...rest } = body(f, formats);
  return { ...rest, action: 'create' as const, namePrefix: name, count: countOf(f) };
}

/** Batch errors under the dialog's fields: the prefix's under the name. */
const batchGroup = (path: string) => (path === 'namePrefix' ? 'name' : group(path));

/** Errors of one data disk's size ("dataDisks.1.sizeGiB") or one SSH key show under their single field; a disk's filesystem and mount point keep their own. */
const group = (path: string) =>
  /^dataDisks\.\d+\.(filesystem|mountPoint)$/.test(path) ? path : path.startsWith('dataDisks') ? 'dataDisks' : path.startsWith('cloudInit.sshAuthorizedKeys') ? 'cloudInit.sshAuthorizedKeys' : path;

/** Whether the fields describe a disk with nothing to boot from. */
const unbootable = (f: CreateFields) => f.source === 'blank' && !f.mediaId;

/** The system disk: where it comes from, the image and how it is copied, its size. */
function DiskFields({ form, choices, errors }: { form: Form<CreateFields>; choices?: Choices; errors: Record<string, string> }) {
  const f = form.values;
  const images = choices?.images ?? [];
  const image = images.find((i) => i.id === f.imageId);
  const setSource = (source: Source) => form.patch({ source, sizeGiB: source === 'blank' ? '10' : '' });
  const radio = (source: Source, label: string) => (
    <label>
      <input type="radio" name="source" value={source} checked={f.source === source} onChange={() => setSource(source)} /> {label}
    </label>
  );
  return (
    <>
      <fieldset class="field span-2">
        <legend>{t.create.systemDisk}</legend>
        <div class="radio-row">
          {radio('image', t.create.sourceImage)}
          {radio('cloud-init', t.create.sourceCloudInit)}
          {radio('blank', t.create.sourceBlank)}
        </div>
      </fieldset>
      {f.source !== 'blank' && (
        <>
          <Field label={t.create.image} error={errors['disk.imageId']}>
            <select name="imageId" value={f.imageId} onChange={form.text('imageId')}>
              {images.length === 0 && <option value="">{t.create.noImageYet}</option>}
              {images.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name} ({bytes(i.virtualSizeBytes)})
                </option>
              ))}
            </select>
          </Field>
          <Field label={t.create.copy}>
            <select name="clone" value={f.clone} onChange={form.text('clone')}>
              <option value="linked">{t.create.linkedClone}</option>
              <option value="full">{t.create.fullCopy}</option>
            </select>
          </Field>
        </>
      )}
      <Field label={f.source === 'blank' ? t.create.diskSize : t.create.diskSizeOptional} error={errors['disk.sizeGiB']}>
        <input
          name="sizeGiB"
          type="number"
          min="1"
          value={f.sizeGiB}
          placeholder={image ? t.create.imageSize(Math.ceil(image.virtualSizeBytes / 1024 ** 3)) : ''}
          onInput={form.text('sizeGiB')}
        />
      </Field>
    </>
  );
}

/** The warning (and the tick) for a blank disk without an ISO. */
function UnbootableWarning({ form, error }: { form: Form<CreateFields>; error?: string }) {
  return (
    <div class="note note-warn span-2" role="alert" data-testid="blank-no-iso">
      <p>{t.create.blankNoIso}</p>
      <label class="check-line">
        <input name="confirmBlank" type="checkbox" checked={form.values.confirmBlank} onChange={form.check('confirmBlank')} /> {t.create.blankNoIsoConfirm}
      </label>
      {error && <div class="field-error">{error}</div>}
    </div>
  );
}

/** Shown when there is neither an image nor an ISO: the way to the upload. */
function NothingToInstall({ onClose }: { onClose: () => void }) {
  return (
    <div class="note note-info span-2" data-testid="nothing-to-install">
      <p>{t.create.nothingToInstall}</p>
      <div class="actions">
        <a class="button button-primary button-small" href={href('images')} onClick={onClose}>
          {t.create.uploadImage}
        </a>
        <a class="button button-small" href={href('media')} onClick={onClose}>
          {t.create.uploadIso}
        </a>
      </div>
    </div>
  );
}

/** New-instance form in a modal; `imageId` preselects an image. */
export function CreateInstanceDialog({ onClose, imageId, onBatch }: { onClose: () => void; imageId?: string; onBatch?: (op: Operation) => void }) {
  const [choices, setChoices] = useState<Choices | undefined>(undefined);
  const [touched, setTouched] = useState(false);
  const [formats, setFormats] = useState<DataDiskFormat[]>([]);
  const server = useApiFieldErrors(group, NIC_CODE_FIELDS);
  const form = useForm<CreateFields>({
    ...nicDefaults,
    name: '', count: '1', pool: 'default', cores: '1', memoryMiB: '512', maxCores: '', maxMemoryMiB: '', source: 'blank', imageId: '', clone: 'linked', sizeGiB: '10',
    dataDisks: '', ciPassword: '', sshKeys: '', userData: '', mediaId: '', autostart: false, start: true, confirmBlank: false,
  });
  const f = form.values;
  const submit = useSubmit(async () => {
    setTouched(true);
    if (countOf(f) !== 1) return createBatch();
    const parsed = createInstanceSchema.safeParse(body(f, formats));
    if (!parsed.success || (unbootable(f) && !f.confirmBlank)) return;
    // A refusal about one field (address_taken, mac_taken, …) shows next to it.
    const res = await server.run(() => api.instances.create(parsed.data));
    if (!res) return;
    onClose();
    trackOperation(t.create.task(res.instance.name), res.operation).catch(() => undefined);
    navigate('instances', res.instance.id);
  });
  const createBatch = async () => {
    const parsed = batchCreateSchema.safeParse(batchBody(f, formats));
    if (!parsed.success || countOf(f) > MAX_BATCH_ITEMS || (unbootable(f) && !f.confirmBlank)) return;
    const res = await server.run(() => api.instances.batch(parsed.data));
    if (!res) return;
    onClose();
    trackOperation(t.batch.task(parsed.data.count ?? 0, f.name), res.operation).catch(() => undefined);
    onBatch?.(res.operation);
    navigate('instances');
  };
  useEffect(() => {
    let alive = true;
    Promise.all([api.pools.list(), api.images.list(), api.media.list(), api.networks.list(), api.addressPools.list()]).then(
      ([pools, allImages, media, networks, addressPools]) => {
        if (!alive) return;
        const images = allImages.filter((i) => i.state === 'ready');
        setChoices({ pools, images, media, networks, addressPools });
        const image = images.find((i) => i.id === imageId) ?? images[0];
        form.patch({ pool: pools[0]?.name ?? 'default', ...(image ? { source: 'image', imageId: image.id, sizeGiB: '' } : {}) });
      },
      (err: unknown) => alive && submit.setError(errorText(err)),
    );
    return () => {
      alive = false;
    };
  }, []);

  const many = countOf(f) !== 1;
  const checked = !touched ? {} : many ? schemaErrors(batchCreateSchema, batchBody(f, formats), batchGroup) : schemaErrors(createInstanceSchema, body(f, formats), group);
  if (touched && countOf(f) > MAX_BATCH_ITEMS) checked.count = t.batch.countTooBig(MAX_BATCH_ITEMS);
  const errors = { ...server.errors, ...checked };
  const empty = choices && choices.images.length === 0 && choices.media.length === 0;
  return (
    <Modal title={t.create.title} onClose={onClose} wide>
      <form class="form-grid" onSubmit={submit.run} onInput={server.clear} noValidate>
        {empty && <NothingToInstall onClose={onClose} />}
        <Field label={many ? t.batch.namePrefix : t.create.name} error={errors.name}>
          <input name="name" value={f.name} placeholder={t.create.namePlaceholder} onInput={form.text('name')} autofocus />
        </Field>
        <Field label={t.batch.count} error={errors.count} hint={t.batch.countHint}>
          <input name="count" type="number" min="1" max={String(MAX_BATCH_ITEMS)} value={f.count} onInput={form.text('count')} />
        </Field>
        <Field label={t.create.pool}>
          <select name="pool" value={f.pool} onChange={form.text('pool')}>
            {(choices?.pools ?? []).map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.create.cores} error={errors.cores}>
          <input name="cores" type="number" min="1" value={f.cores} onInput={form.text('cores')} />
        </Field>
        <Field label={t.create.memory} error={errors.memoryMiB}>
          <input name="memoryMiB" type="number" min="64" step="64" value={f.memoryMiB} onInput={form.text('memoryMiB')} />
        </Field>
        <Field label={t.instanceEdit.maxCoresField} error={errors.maxCores} hint={t.instanceEdit.maxHint}>
          <input name="maxCores" type="number" min="1" value={f.maxCores} placeholder={f.cores} onInput={form.text('maxCores')} />
        </Field>
        <Field label={t.instanceEdit.maxMemoryField} error={errors.maxMemoryMiB}>
          <input name="maxMemoryMiB" type="number" min="64" step="64" value={f.maxMemoryMiB} placeholder={f.memoryMiB} onInput={form.text('maxMemoryMiB')} />
        </Field>
        <DiskFields form={form} choices={choices} errors={errors} />
        {f.source === 'cloud-init' && <CloudInitFields form={form} errors={errors} />}
        <Field label={t.create.dataDisks} error={errors.dataDisks}>
          <input name="dataDisks" value={f.dataDisks} placeholder={t.create.dataDisksPlaceholder} onInput={form.text('dataDisks')} />
        </Field>
        <DataDiskFormatFields sizes={f.dataDisks} formats={formats} onChange={setFormats} errors={errors} />
        <Field label={t.create.iso}>
          <select name="mediaId" value={f.mediaId} onChange={form.text('mediaId')}>
            <option value="">{t.create.isoNone}</option>
            {(choices?.media ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </Field>
        <NicFields form={form} pool={choices?.pools.find((p) => p.name === f.pool)} networks={choices?.networks ?? []} addressPools={choices?.addressPools ?? []} errors={errors} />
        {choices && unbootable(f) && <UnbootableWarning form={form} error={touched && !f.confirmBlank ? t.create.blankNoIsoRequired : undefined} />}
        <div class="field span-2 checks">
          <label>
            <input name="autostart" type="checkbox" checked={f.autostart} onChange={form.check('autostart')} /> {t.create.autostart}
          </label>
          <label>
            <input name="start" type="checkbox" checked={f.start} onChange={form.check('start')} /> {t.create.start}
          </label>
        </div>
        <div class="span-2">
          <ErrorNote message={submit.error} />
        </div>
        <div class="form-actions span-2">
          <button type="button" class="button" onClick={onClose}>
            {t.common.cancel}
          </button>
          <button type="submit" class="button button-primary" disabled={submit.busy}>
            {submit.busy ? t.common.creating : t.common.create}
          </button>
        </div>
      </form>
    </Modal>
  );
}
