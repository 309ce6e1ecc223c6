/**
 * The UI's languages: English and Simplified Chinese catalogues, the one in use (`t`), the
 * choice remembered per browser (localStorage), and translations of what the server says:
 * API errors by their stable `code` (the English `detail` is the fallback) and the shared
 * schemas' English sentences.
 */
import { Store } from '../observable.js';
import { en, type Catalogue } from './en.js';
import { zhCN } from './zh-cn.js';

export type { Catalogue };

/** Languages the UI speaks, by BCP 47 tag. */
export const LANGUAGES = { en: en, 'zh-CN': zhCN } as const satisfies Record<string, Catalogue>;

/** A language tag the UI speaks. */
export type Language = keyof typeof LANGUAGES;

const STORAGE_KEY = 'onebox.language';

const isLanguage = (tag: string | null | undefined): tag is Language => typeof tag === 'string' && tag in LANGUAGES;

/** The remembered choice, else the browser's preferred language when it is Chinese, else English. */
export function initialLanguage(): Language {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage denied (private mode): fall back to the browser's language
  }
  if (isLanguage(saved)) return saved;
  return (navigator.languages ?? [navigator.language]).some((l) => /^zh\b/i.test(l)) ? 'zh-CN' : 'en';
}

/** The catalogue in use: `t.nav.instances`, `t.count.cores(2)`. Read it while rendering. */
export let t: Catalogue = en;

/** The language in use; the app re-renders everything when it changes. */
export const language = new Store<Language>('en');

/** Switches the language, remembers it in this browser and sets `<html lang>`. */
export function setLanguage(lang: Language): void {
  t = LANGUAGES[lang];
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered; still switched
  }
  language.set(lang);
}

/** Applies the initial language before the first render. */
export function startLanguage(): void {
  const lang = initialLanguage();
  t = LANGUAGES[lang];
  document.documentElement.lang = lang;
  language.set(lang);
}

/** The values a server sentence quotes ('like this'), in order: the names a translation can reuse. */
export function quotedValues(sentence: string): string[] {
  return [...sentence.matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

/** An API error in the current language: the catalogue's sentence for its code, else the API's own. */
export function translateProblem(code: string, detail: string): string {
  const translate = t.apiErrors[code];
  if (!translate) return translateSentence(detail);
  return translate(quotedValues(detail), detail) ?? detail;
}

/** A sentence of the shared schemas (or another fixed English sentence of the server) in the current language. */
export function translateSentence(sentence: string): string {
  return t.sentences[sentence] ?? sentence;
}
