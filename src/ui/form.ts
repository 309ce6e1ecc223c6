/**
 * Forms: typed values with setters bound to inputs (`useForm`), field errors from a shared zod
 * schema in the current language (`schemaErrors`), and the busy/error/try-catch of a submit
 * (`useSubmit`), which never touches a component that is gone.
 */
import { useRef, useState } from 'hono/jsx/dom';
import type * as z from 'zod';
import { useEffect } from './hooks.js';
import { t } from './i18n/index.js';
import { errorText } from './store.js';

/** Values a form field can hold. */
export type FieldValue = string | boolean;

/** A form's values and the ways to change them. */
export interface Form<T extends Record<string, FieldValue>> {
  values: T;
  set<K extends keyof T>(key: K, value: T[K]): void;
  /** Several fields at once. */
  patch(change: Partial<T>): void;
  /** An `onInput`/`onChange` handler writing a text field's value. */
  text<K extends keyof T>(key: K): (e: Event) => void;
  /** An `onChange` handler writing a checkbox's state. */
  check<K extends keyof T>(key: K): (e: Event) => void;
}

/** Typed form state. */
export function useForm<T extends Record<string, FieldValue>>(initial: T): Form<T> {
  const [values, setValues] = useState<T>(initial);
  const patch = (change: Partial<T>) => setValues((cur) => ({ ...cur, ...change }));
  const set = <K extends keyof T>(key: K, value: T[K]) => patch({ [key]: value } as unknown as Partial<T>);
  return {
    values,
    set,
    patch,
    text: (key) => (e) => set(key, (e.target as HTMLInputElement).value as T[typeof key]),
    check: (key) => (e) => set(key, (e.target as HTMLInputElement).checked as T[typeof key]),
  };
}

type Issue = z.ZodError['issues'][number];

/** A schema issue in the current language: the schema's own sentence translated, zod's generic ones rephrased. */
export function issueText(issue: Issue): string {
  const own = t.sentences[issue.message];
  if (own) return own;
  if (!/^(Too (big|small)|Invalid)\b/.test(issue.message)) return issue.message;
  if (issue.code === 'too_big') return t.validation.tooBig(String(issue.maximum));
  if (issue.code === 'too_small') return t.validation.tooSmall(String(issue.minimum));
  return t.validation.invalid;
}

/** Field errors of `input` under `schema`, by dotted path, in the current language; `group` folds paths ("dataDisks.1.sizeGiB" → "dataDisks"). */
export function schemaErrors(schema: z.ZodType, input: unknown, group: (path: string) => string = (p) => p): Record<string, string> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return {};
  const out: Record<string, string> = {};
  for (const issue of parsed.error.issues) out[group(issue.path.join('.'))] ??= issueText(issue);
  return out;
}

/** A ref that is false once the component is gone. */
export function useMounted(): { current: boolean } {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return mounted;
}

/** What {@link useSubmit} returns. */
export interface Submit {
  busy: boolean;
  error: string | undefined;
  setError(message: string | undefined): void;
  /** Runs the action (after `preventDefault` when given an event); a failure's sentence lands in `error`. */
  run(e?: Event): Promise<void>;
}

/** The busy flag and error sentence of a form's action; nothing is set once the component is gone. */
export function useSubmit(action: () => Promise<unknown>): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const mounted = useMounted();
  const run = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      if (mounted.current) setError(errorText(err));
    } finally {
      if (mounted.current) setBusy(false);
    }
  };
  return { busy, error, setError: (m) => mounted.current && setError(m), run };
}
