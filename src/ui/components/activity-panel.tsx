/** @jsxImportSource hono/jsx/dom */
/** The floating list of long actions with their progress and, for failures, the API's sentence. */
import { dismissTask, tasks, useStore } from '../store.js';
import { ProgressBar } from './progress-bar.js';

/** Bottom-right activity panel; hidden when empty. */
export function ActivityPanel() {
  const list = useStore(tasks);
  if (list.length === 0) return null;
  return (
    <aside class="activity" aria-label="Activity">
      {list.map((t) => (
        <div key={t.id} class={`activity-item activity-${t.state}`} data-state={t.state}>
          <div class="activity-head">
            <span class="activity-label">{t.label}</span>
            <span class="muted">{t.state === 'running' ? (typeof t.progress === 'number' ? `${t.progress}%` : '…') : t.state === 'succeeded' ? 'done' : 'failed'}</span>
            {t.state !== 'running' && (
              <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => dismissTask(t.id)}>
                ×
              </button>
            )}
          </div>
          {t.state === 'running' && <ProgressBar value={t.progress} label={t.label} />}
          {t.message && t.state === 'running' && <div class="muted small">{t.message}</div>}
          {t.error && <div class="activity-error">{t.error}</div>}
        </div>
      ))}
    </aside>
  );
}
