/** @jsxImportSource hono/jsx/dom */
/** QoS in the UI: the one-line summary on the instance page, and the fields of the edit dialog (MiB/s and KiB/s; empty is no limit). */
import type { InstanceQos } from '../../shared/qos.js';
import type { Form } from '../form.js';
import { bytes } from '../format.js';
import { t } from '../i18n/index.js';
import { Field } from './field.js';

const MiB = 1024 ** 2;

/** The QoS fields of a form, as typed. */
export interface QosFieldValues {
  qosCpu: string;
  qosDiskRead: string;
  qosDiskWrite: string;
  qosReadIops: string;
  qosWriteIops: string;
  qosNetIn: string;
  qosNetOut: string;
  [key: string]: string | boolean;
}

const text = (n: number | undefined, per = 1) => (n === undefined ? '' : String(n / per));

/** The fields filled from a QoS. */
export function qosFieldsOf(q: InstanceQos): QosFieldValues {
  return {
    qosCpu: q.cpuPriority, qosDiskRead: text(q.diskReadBytesSec, MiB), qosDiskWrite: text(q.diskWriteBytesSec, MiB), qosReadIops: text(q.diskReadIops),
    qosWriteIops: text(q.diskWriteIops), qosNetIn: text(q.netInKbps), qosNetOut: text(q.netOutKbps),
  };
}

const num = (s: string, per = 1) => (s.trim() === '' ? undefined : per === 1 ? Number(s) : Math.round(Number(s) * per));

/** The QoS the fields describe (what PATCH takes). */
export function qosOfFields(f: QosFieldValues): InstanceQos {
  const all = {
    cpuPriority: f.qosCpu as InstanceQos['cpuPriority'], diskReadBytesSec: num(f.qosDiskRead, MiB), diskWriteBytesSec: num(f.qosDiskWrite, MiB),
    diskReadIops: num(f.qosReadIops), diskWriteIops: num(f.qosWriteIops), netInKbps: num(f.qosNetIn), netOutKbps: num(f.qosNetOut),
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as InstanceQos;
}

/** The summary line: priority and the limits that are set. */
export function qosLine(q: InstanceQos): string {
  const limits = [
    q.diskReadBytesSec !== undefined && t.qos.diskReadLimit(`${bytes(q.diskReadBytesSec)}/s`),
    q.diskWriteBytesSec !== undefined && t.qos.diskWriteLimit(`${bytes(q.diskWriteBytesSec)}/s`),
    q.diskReadIops !== undefined && t.qos.readIopsLimit(q.diskReadIops),
    q.diskWriteIops !== undefined && t.qos.writeIopsLimit(q.diskWriteIops),
    q.netInKbps !== undefined && t.qos.netInLimit(q.netInKbps),
    q.netOutKbps !== undefined && t.qos.netOutLimit(q.netOutKbps),
  ].filter((x): x is string => typeof x === 'string');
  return t.qos.line(t.qos.priorities[q.cpuPriority] ?? q.cpuPriority, limits);
}

/** The fields in a two-column form grid; `errors` by request path (`qos.diskWriteBytesSec`). */
export function QosFields<T extends QosFieldValues>({ form, errors }: { form: Form<T>; errors: Record<string, string> }) {
  const f = form.values;
  const input = (key: keyof QosFieldValues & string, label: string, error: string | undefined) => (
    <Field label={label} error={error}>
      <input name={key} type="number" min="0" step="any" value={f[key] as string} placeholder={t.qos.noLimit} onInput={form.text(key)} />
    </Field>
  );
  return (
    <fieldset class="field span-2 form-grid" data-testid="qos-fields">
      <legend>{t.qos.title}</legend>
      <p class="muted small span-2">{t.qos.hint}</p>
      <Field label={t.qos.cpuPriority} error={errors['qos.cpuPriority']}>
        <select name="qosCpu" value={f.qosCpu} onChange={form.text('qosCpu')}>
          {(['high', 'medium', 'low'] as const).map((p) => (
            <option key={p} value={p}>
              {t.qos.priorities[p]}
            </option>
          ))}
        </select>
      </Field>
      <span />
      {input('qosDiskRead', t.qos.diskRead, errors['qos.diskReadBytesSec'])}
      {input('qosDiskWrite', t.qos.diskWrite, errors['qos.diskWriteBytesSec'])}
      {input('qosReadIops', t.qos.readIops, errors['qos.diskReadIops'])}
      {input('qosWriteIops', t.qos.writeIops, errors['qos.diskWriteIops'])}
      {input('qosNetIn', t.qos.netIn, errors['qos.netInKbps'])}
      {input('qosNetOut', t.qos.netOut, errors['qos.netOutKbps'])}
    </fieldset>
  );
}
