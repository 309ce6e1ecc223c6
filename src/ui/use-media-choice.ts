/** Loads the ISO list for a picker and keeps the chosen one (the first that `prefer` accepts, else the first). */
import { useState } from 'hono/jsx/dom';
import { useEffect } from './hooks.js';
import type { Media } from '../shared/api-types.js';
import { api } from './api.js';
import { errorText } from './store.js';

/** State of an ISO picker: the list (undefined while loading), the choice, and an error sentence. */
export function useMediaChoice(prefer: (m: Media) => boolean = () => true) {
  const [media, setMedia] = useState<Media[] | undefined>(undefined);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api.media.list().then(
      (items) => {
        setMedia(items);
        setChoice(items.find(prefer)?.id ?? items[0]?.id ?? '');
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, []);
  return { media, choice, setChoice, error, setError };
}
