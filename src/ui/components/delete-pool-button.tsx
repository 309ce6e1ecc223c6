/** @jsxImportSource hono/jsx/dom */
/** Deletes a compute pool after confirmation; the API's refusal (not empty, the default pool) shows in the dialog. */
import { useState } from 'hono/jsx/dom';
import type { Pool } from '../../shared/api-types.js';
import { api } from '../api.js';
import { changes } from '../store.js';
import { ConfirmDialog } from './confirm-dialog.js';

/** The Delete button with its confirmation; `onDeleted` runs after a 204. */
export function DeletePoolButton({ pool, hosts, onDeleted }: { pool: Pool; hosts: number; onDeleted?: () => void }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button type="button" class="button button-small button-danger-outline" data-action="delete" onClick={() => setAsking(true)}>
        Delete
      </button>
      {asking && (
        <ConfirmDialog
          title={`Delete pool ${pool.name}?`}
          message={
            hosts > 0
              ? `It still has ${hosts === 1 ? 'a host' : `${hosts} hosts`}; move ${hosts === 1 ? 'it' : 'them'} to another pool first, or the server refuses.`
              : 'The pool is removed; its hosts and instances are not touched.'
          }
          confirmLabel="Delete"
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
