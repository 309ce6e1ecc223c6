/** @jsxImportSource hono/jsx/dom */
/**
 * Deletes a compute pool after confirmation; the API's refusal (not empty) shows in the dialog.
 * The default pool, which the server never deletes, gets a note instead of the button.
 */
import { useState } from 'hono/jsx/dom';
import type { Pool } from '../../shared/api-types.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';
import { ConfirmDialog } from './confirm-dialog.js';

/** The name of the pool the server creates at first start and never deletes. */
const DEFAULT_POOL = 'default';

/** The Delete button with its confirmation; `onDeleted` runs after a 204. */
export function DeletePoolButton({ pool, hosts, onDeleted }: { pool: Pool; hosts: number; onDeleted?: () => void }) {
  const [asking, setAsking] = useState(false);
  if (pool.name === DEFAULT_POOL)
    return (
      <span class="muted small" data-testid="default-pool" title={t.pools.defaultPoolHint}>
        {t.pools.defaultPool}
      </span>
    );
  return (
    <>
      <button type="button" class="button button-small button-danger-outline" data-action="delete" onClick={() => setAsking(true)}>
        {t.common.delete}
      </button>
      {asking && (
        <ConfirmDialog
          title={t.pools.deleteTitle(pool.name)}
          message={hosts > 0 ? t.pools.deleteHasHosts(hosts) : t.pools.deleteEmpty}
          confirmLabel={t.common.delete}
          onConfirm={async () => {
            await api.pools.delete(pool.id);
            changes.set(changes.get() + 1);
            onDeleted?.();
          }}
          onClose={() => setAsking(false)}
        />
      )}
    </>
  );
}
