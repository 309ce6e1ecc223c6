/** @jsxImportSource hono/jsx/dom */
/**
 * The floating list of long actions with their progress and, for failures, the API's sentence.
 * It is a polite live region that is always in the page, so screen readers announce each
 * new card and outcome.
 */
import { t } from '../i18n/index.js';
import { dismissTask, tasks, useStore } from '../store.js';
import { ProgressBar } from './progress-bar.js';

/** Bottom-right activity panel; empty (and invisible) without tasks. */
export function ActivityPanel() {
  const list = useStore(tasks);
  return (
    <aside class="activity" aria-label={t.activity.label} role="status" aria-live="polite">
      {list.map((task) => (
        <div key={task.id} class={`activity-item activity-${task.state}`} data-state={task.state}>
          <div class="activity-head">
            <span class="activity-label">{task.label}</span>
            <span class="muted">
              {task.state === 'running' ? (typeof task.progress === 'number' ? `${task.progress}%` : '…') : task.state === 'succeeded' ? t.activity.done : t.activity.failed}
            </span>
            {task.state !== 'running' && (
              <button type="button" class="icon-button" aria-label={t.activity.dismiss} onClick={() => dismissTask(task.id)}>
                ×
              </button>
            )}
          </div>
          {task.state === 'running' && <ProgressBar value={task.progress} label={task.label} />}
          {task.message && task.state === 'running' && <div class="muted small">{task.message}</div>}
          {task.error && <div class="activity-error">{task.error}</div>}
        </div>
      ))}
    </aside>
  );
}
