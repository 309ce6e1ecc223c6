/** @jsxImportSource hono/jsx/dom */
/** The language choice (each language named in itself), remembered in this browser. */
import { LANGUAGES, language, setLanguage, t, type Language } from '../i18n/index.js';
import { useStore } from '../observable.js';

/** A labelled select of the UI's languages; `compact` hides the label visually (it stays for screen readers). */
export function LanguagePicker({ compact }: { compact?: boolean }) {
  const current = useStore(language);
  return (
    <label class={`language-picker ${compact ? 'compact' : ''}`}>
      <span class={compact ? 'visually-hidden' : ''}>{t.auth.language}</span>
      <select name="language" value={current} onChange={(e: Event) => setLanguage((e.target as HTMLSelectElement).value as Language)}>
        {(Object.keys(LANGUAGES) as Language[]).map((lang) => (
          <option key={lang} value={lang} lang={lang}>
            {LANGUAGES[lang].languageName}
          </option>
        ))}
      </select>
    </label>
  );
}
