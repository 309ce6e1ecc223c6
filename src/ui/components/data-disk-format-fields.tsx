/** @jsxImportSource hono/jsx/dom */
/**
 * The create dialog's optional formatting of each data disk: a filesystem (ext4 or xfs) that
 * cloud-init makes at first boot and a mount point. One small group per size typed in the
 * data-disks field; the values live beside the form (one entry per disk, by position).
 */
import { t } from '../i18n/index.js';
import { Field } from './field.js';

/** How one data disk is formatted ('' filesystem: left blank). */
export interface DataDiskFormat {
  filesystem: '' | 'ext4' | 'xfs';
  mountPoint: string;
}

/** The filesystems cloud-init can make (names, not words to translate). */
const FILESYSTEMS = ['ext4', 'xfs'] as const;
const EXAMPLE_MOUNT = '/data';

/** The blank choice. */
export const noFormat: DataDiskFormat = { filesystem: '', mountPoint: '' };

/** The data disks of the request: sizes from the comma-separated field, each with its formatting when given. */
export function dataDisksBody(sizes: string, formats: DataDiskFormat[]) {
  return sizesOf(sizes).map((size, i) => {
    const { filesystem, mountPoint } = formats[i] ?? noFormat;
    return { sizeGiB: Number(size), ...(filesystem ? { filesystem } : {}), ...(mountPoint.trim() ? { mountPoint: mountPoint.trim() } : {}) };
  });
}

const sizesOf = (sizes: string) => sizes.split(',').map((x) => x.trim()).filter(Boolean);

/** One group per data disk; errors by request path (`dataDisks.0.mountPoint`). */
export function DataDiskFormatFields(props: { sizes: string; formats: DataDiskFormat[]; onChange: (formats: DataDiskFormat[]) => void; errors: Record<string, string> }) {
  const sizes = sizesOf(props.sizes);
  if (sizes.length === 0) return null;
  const change = (i: number, part: Partial<DataDiskFormat>) => {
    const next = sizes.map((_, n) => props.formats[n] ?? noFormat);
    next[i] = { ...next[i], ...part };
    props.onChange(next);
  };
  return (
    <>
      {sizes.map((size, i) => {
        const f = props.formats[i] ?? noFormat;
        return (
          <fieldset key={i} class="field span-2 data-disk-format" data-disk={String(i)}>
            <legend>{t.dataDiskFormat.disk(i + 1, size)}</legend>
            <div class="form-grid">
              <Field label={t.dataDiskFormat.filesystem} error={props.errors[`dataDisks.${i}.filesystem`]}>
                <select name={`dataDisks.${i}.filesystem`} value={f.filesystem} onChange={(e: Event) => change(i, { filesystem: (e.target as HTMLSelectElement).value as DataDiskFormat['filesystem'] })}>
                  <option value="">{t.dataDiskFormat.none}</option>
                  {FILESYSTEMS.map((fs) => (
                    <option key={fs} value={fs}>
                      {fs}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t.dataDiskFormat.mountPoint} error={props.errors[`dataDisks.${i}.mountPoint`]}>
                <input name={`dataDisks.${i}.mountPoint`} value={f.mountPoint} placeholder={EXAMPLE_MOUNT} onInput={(e: Event) => change(i, { mountPoint: (e.target as HTMLInputElement).value })} />
              </Field>
            </div>
          </fieldset>
        );
      })}
      <p class="muted small span-2">{t.dataDiskFormat.hint}</p>
    </>
  );
}
