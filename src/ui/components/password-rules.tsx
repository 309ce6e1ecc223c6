/** @jsxImportSource hono/jsx/dom */
/** The password rules from the shared schema, each ticked off as the user types. */
import { passwordSchema } from '../../shared/schemas.js';
import { t, translateSentence } from '../i18n/index.js';

/** Every rule sentence of the password schema, in order (checked against an empty string, which breaks them all). */
const rules: string[] = (passwordSchema.safeParse('').error?.issues ?? []).map((i) => i.message);

/** Rule sentences the password breaks. */
export function brokenRules(password: string): string[] {
  return (passwordSchema.safeParse(password).error?.issues ?? []).map((i) => i.message);
}

/** A checklist of the rules for `password`. */
export function PasswordRules({ password }: { password: string }) {
  const broken = new Set(brokenRules(password));
  return (
    <ul class="rules" aria-label={t.auth.rules} aria-live="polite">
      {rules.map((rule) => {
        const ok = !broken.has(rule);
        return (
          <li key={rule} class={ok ? 'rule-ok' : 'rule-broken'} data-ok={ok ? 'true' : 'false'}>
            <span aria-hidden="true">{ok ? '✓' : '•'}</span> {translateSentence(rule)}
          </li>
        );
      })}
    </ul>
  );
}
