/**
 * Field errors of an API refusal, for the form that sent it: the problem's `errors[]` (zod's
 * issues and the address pool checks) by field path, and codes that name one field without
 * `errors[]` (address_taken → the address field), each in the current language.
 */
import { useState } from 'hono/jsx/dom';
import { ApiError } from './api.js';
import { errorText } from './store.js';
import { t, translateSentence } from './i18n/index.js';

/** Field path → sentence. */
export type FieldErrors = Record<string, string>;

/**
 * The field errors in `err` (empty when it has none): `group` folds paths ("dnsServers.1" →
 * "dnsServers"), `byCode` sends a whole refusal to one field.
 */
export function apiFieldErrors(err: unknown, group: (path: string) => string = (p) => p, byCode: Record<string, string> = {}): FieldErrors {
  if (!(err instanceof ApiError)) return {};
  const out: FieldErrors = {};
  for (const e of err.errors ?? []) out[group(e.field)] ??= t.addressPools.problem(translateSentence(e.message));
  const field = byCode[err.code];
  if (field) out[field] ??= errorText(err);
  return out;
}

/** What {@link useApiFieldErrors} returns. */
export interface ApiFieldErrors {
  errors: FieldErrors;
  clear(): void;
  /** Runs `action`: a refusal about fields lands in `errors` and resolves undefined; any other refusal rethrows (for useSubmit's sentence). */
  run<T>(action: () => Promise<T>): Promise<T | undefined>;
}

/** The API's field errors of a form's last submit (see {@link apiFieldErrors} for `group` and `byCode`). */
export function useApiFieldErrors(group: (path: string) => string = (p) => p, byCode: Record<string, string> = {}): ApiFieldErrors {
  const [errors, setErrors] = useState<FieldErrors>({});
  return {
    errors,
    clear: () => setErrors({}),
    async run(action) {
      setErrors({});
      try {
        return await action();
      } catch (err) {
        const fields = apiFieldErrors(err, group, byCode);
        if (Object.keys(fields).length === 0) throw err;
        setErrors(fields);
        return undefined;
      }
    },
  };
}
