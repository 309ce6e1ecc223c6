/** @jsxImportSource hono/jsx/dom */
/** The cloud-init part of the create dialog: admin password, SSH keys and extra user-data. */
import type { Form } from '../form.js';
import { t } from '../i18n/index.js';
import { Field } from './field.js';

/** The fields cloud-init reads from the create form. */
type CloudInitForm = Form<{ ciPassword: string; sshKeys: string; userData: string } & Record<string, string | boolean>>;

/** Fields bound to the dialog's form; `errors` by the request's dotted paths. */
export function CloudInitFields({ form, errors }: { form: CloudInitForm; errors: Record<string, string> }) {
  const f = form.values;
  return (
    <fieldset class="field span-2">
      <legend>{t.create.cloudInitLegend}</legend>
      <Field label={t.create.ciPassword} error={errors['cloudInit.password']}>
        <input name="ciPassword" type="password" autocomplete="new-password" value={f.ciPassword} onInput={form.text('ciPassword')} />
      </Field>
      <Field label={t.create.sshKeys} error={errors['cloudInit.sshAuthorizedKeys']}>
        <textarea name="sshKeys" rows={2} placeholder={t.create.sshKeysPlaceholder} value={f.sshKeys} onInput={form.text('sshKeys')} />
      </Field>
      <Field label={t.create.userData} error={errors['cloudInit.userData']}>
        <textarea name="userData" rows={3} class="mono" value={f.userData} onInput={form.text('userData')} />
      </Field>
    </fieldset>
  );
}
