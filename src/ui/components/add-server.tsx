/** @jsxImportSource hono/jsx/dom */
/**
 * "Add a server": makes a one-time join token and shows the `onebox join` command to run on the
 * new server (its secret is shown this once; the command pins this server's certificate).
 */
import { useState } from 'hono/jsx/dom';
import type { NewJoinToken } from '../../shared/join.js';
import { api } from '../api.js';
import { dateTime } from '../format.js';
import { useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { ErrorNote } from './error-note.js';
import { Modal } from './modal.js';

/** The button and, once a token is made, the dialog with its command. */
export function AddServerButton() {
  const [token, setToken] = useState<NewJoinToken | undefined>(undefined);
  const make = useSubmit(async () => setToken(await api.joinTokens.create()));
  return (
    <>
      <button type="button" class="button" disabled={make.busy} onClick={() => void make.run()}>
        {t.join.button}
      </button>
      <ErrorNote message={make.error} />
      {token && (
        <Modal title={t.join.title} onClose={() => setToken(undefined)} wide>
          <p>{t.join.hint}</p>
          <pre class="mono command" data-testid="join-command">
            {token.command}
          </pre>
          <p class="muted">{t.join.expires(dateTime(token.expiresAt))}</p>
          <p class="muted">{t.join.after}</p>
        </Modal>
      )}
    </>
  );
}
