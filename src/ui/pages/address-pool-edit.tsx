/** @jsxImportSource hono/jsx/dom */
/** Changes an address pool's ranges and DNS servers (PATCH), with the same checks as you type as the create dialog. */
import { useState } from 'hono/jsx/dom';
import type { AddressPool, Network } from '../../shared/api-types.js';
import { updateAddressPoolSchema } from '../../shared/schemas.js';
import { addressList, poolField, rangeProblems, rangesBody, type RangeRow } from '../address-pool-check.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { AddressRanges } from '../components/address-ranges.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { FormActions } from '../components/form-actions.js';
import { Modal } from '../components/modal.js';
import { schemaErrors, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';

/** The edit form in a modal; `others` are the other pools (their ranges must not overlap). */
export function EditAddressPoolDialog(props: { pool: AddressPool; network?: Network; others: AddressPool[]; onClose: () => void }) {
  const { pool } = props;
  const [rows, setRows] = useState<RangeRow[]>(pool.ranges.map((r) => ({ start: r.start, end: r.end, prefix: String(r.prefix) })));
  const [dns, setDns] = useState(pool.dnsServers.join(', '));
  const [touched, setTouched] = useState(false);
  const server = useApiFieldErrors(poolField);
  const body = { dnsServers: addressList(dns), ranges: rangesBody(rows) };
  const live = rangeProblems(pool.gateway, rows, props.network, props.others.filter((p) => p.id !== pool.id));
  const errors: FieldErrors = { ...server.errors, ...(touched ? schemaErrors(updateAddressPoolSchema, body, poolField) : {}), ...live };
  const submit = useSubmit(async () => {
    setTouched(true);
    const parsed = updateAddressPoolSchema.safeParse(body);
    if (!parsed.success || Object.keys(live).length > 0) return;
    if (!(await server.run(() => api.addressPools.update(pool.id, parsed.data)))) return;
    changes.set(changes.get() + 1);
    props.onClose();
  });
  return (
    <Modal title={t.addressPools.editTitle(pool.name)} onClose={props.onClose} wide>
      <form class="form-grid" onSubmit={submit.run} onInput={server.clear} noValidate aria-label={t.addressPools.editTitle(pool.name)}>
        <p class="muted span-2">{t.addressPools.editHint(pool.gateway)}</p>
        <Field label={t.addressPools.dnsField} error={errors.dnsServers} class="span-2">
          <input name="dns" value={dns} placeholder={t.addressPools.dnsPlaceholder} onInput={(e: Event) => setDns((e.target as HTMLInputElement).value)} autofocus />
        </Field>
        <AddressRanges rows={rows} onChange={setRows} errors={errors} />
        <div class="span-2">
          <ErrorNote message={submit.error} />
        </div>
        <FormActions onCancel={props.onClose} busy={submit.busy} label={t.common.save} busyLabel={t.common.saving} wide />
      </form>
    </Modal>
  );
}
