/** @jsxImportSource hono/jsx/dom */
/** The ranges of an address pool in a form: one row per range (start, end, prefix), add and remove, each row's problem under it. */
import { emptyRange, type RangeRow } from '../address-pool-check.js';
import { t } from '../i18n/index.js';

/** The editor; `errors` holds "ranges" (all of them) and "ranges.N" (row N). */
export function AddressRanges({ rows, onChange, errors }: { rows: RangeRow[]; onChange: (rows: RangeRow[]) => void; errors: Record<string, string> }) {
  const set = (i: number, key: keyof RangeRow) => (e: Event) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, [key]: (e.target as HTMLInputElement).value } : r)));
  return (
    <fieldset class="field span-2 ranges" data-testid="ranges">
      <legend>{t.addressPools.ranges}</legend>
      {rows.map((r, i) => (
        <div key={i} class="range-row" data-testid={`range-${i}`}>
          <label class="field">
            <span>{t.addressPools.rangeStart}</span>
            <input name={`ranges.${i}.start`} value={r.start} placeholder={t.addressPools.rangeStartPlaceholder} onInput={set(i, 'start')} aria-invalid={errors[`ranges.${i}`] ? 'true' : undefined} />
          </label>
          <label class="field">
            <span>{t.addressPools.rangeEnd}</span>
            <input name={`ranges.${i}.end`} value={r.end} placeholder={t.addressPools.rangeEndPlaceholder} onInput={set(i, 'end')} aria-invalid={errors[`ranges.${i}`] ? 'true' : undefined} />
          </label>
          <label class="field range-prefix">
            <span>{t.addressPools.rangePrefix}</span>
            <input name={`ranges.${i}.prefix`} type="number" min="8" max="30" value={r.prefix} onInput={set(i, 'prefix')} />
          </label>
          {rows.length > 1 && (
            <button type="button" class="button button-small range-remove" aria-label={t.addressPools.removeRange(i + 1)} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              {t.common.remove}
            </button>
          )}
          {errors[`ranges.${i}`] && (
            <span class="field-error range-error" data-testid={`range-error-${i}`}>
              {errors[`ranges.${i}`]}
            </span>
          )}
        </div>
      ))}
      {errors.ranges && <span class="field-error" data-testid="ranges-error">{errors.ranges}</span>}
      <div>
        <button type="button" class="button button-small" onClick={() => onChange([...rows, emptyRange(rows[rows.length - 1]?.prefix)])}>
          {t.addressPools.addRange}
        </button>
      </div>
    </fieldset>
  );
}
