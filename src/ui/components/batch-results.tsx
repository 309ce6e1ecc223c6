/** @jsxImportSource hono/jsx/dom */
/** A batch's items as they finish: each instance with its own result and, when it failed, its error in the current language. */
import { useState } from 'hono/jsx/dom';
import type { Operation } from '../../shared/api-types.js';
import type { BatchResult } from '../../shared/batch.js';
import { api } from '../api.js';
import { useEffect } from '../hooks.js';
import { t, translateProblem } from '../i18n/index.js';
import { changes } from '../store.js';

/** Follows the batch's parent operation and lists its items; `onDismiss` hides the panel. */
export function BatchResults({ operation, onDismiss }: { operation: Operation; onDismiss: () => void }) {
  const [op, setOp] = useState(operation);
  useEffect(() => {
    let alive = true;
    api.operations
      .wait(operation, (o) => alive && setOp(o), 500)
      .catch(() => undefined) // a failed item is shown in its row
      .finally(() => alive && changes.set(changes.get() + 1));
    return () => {
      alive = false;
    };
  }, [operation.id]);
  const items = (op.result as BatchResult | null)?.items ?? [];
  const finished = items.filter((i) => i.state === 'succeeded' || i.state === 'failed');
  const failed = items.filter((i) => i.state === 'failed').length;
  return (
    <section class="card" data-testid="batch-results" data-state={op.state} aria-live="polite">
      <div class="card-head">
        <h2>{t.batch.results}</h2>
        <span class="muted">{op.state === 'running' ? t.batch.progress(finished.length, items.length) : t.batch.summary(items.length - failed, failed)}</span>
        <button type="button" class="button button-small" onClick={onDismiss}>
          {t.batch.dismiss}
        </button>
      </div>
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th>{t.batch.item}</th>
              <th>{t.batch.itemState}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.operationId} data-name={item.name} data-state={item.state}>
                <td>{item.name}</td>
                <td>
                  <span>{t.batch.states[item.state] ?? item.state}</span>
                  {item.errorCode && <div class="field-error">{translateProblem(item.errorCode, item.errorDetail ?? '')}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
