/** The document title of each page ("ui-1 · Instances · onebox"), so tabs and history entries tell pages apart. */
import { useEffect } from './hooks.js';
import { t } from './i18n/index.js';

/** Sets `document.title` from the most specific part to the least, ending in the product name. */
export function useTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter((p): p is string => Boolean(p)), t.titles.suffix].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
