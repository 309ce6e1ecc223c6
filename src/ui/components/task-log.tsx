/** @jsxImportSource hono/jsx/dom */
/**
 * The task log at the bottom of every page (like Proxmox's): running and recent operations with
 * who started them, progress, result and duration, refreshed every 2 s by one request for the
 * whole page; a row opens the operation's details. A running operation that takes a cancel (a
 * live migration, an image import) has a Cancel button; the operation then ends failed with its cancel code.
 */
import { useState } from 'hono/jsx/dom';
import type { Operation } from '../../shared/api-types.js';
import { api } from '../api.js';
import { dateTime } from '../format.js';
import { useEffect } from '../hooks.js';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';
import { Modal } from './modal.js';
import { ProgressBar } from './progress-bar.js';

const SHOWN = 8;

/** Seconds an operation took (or has taken so far). */
export function durationOf(op: Operation, now = Date.now()): number {
  const end = op.state === 'running' ? now : Date.parse(op.updatedAt);
  return Math.max(0, (end - Date.parse(op.createdAt)) / 1000);
}

/** Cancel for a running cancellable operation: disabled once asked; a refusal is shown beside it. */
function CancelButton({ op }: { op: Operation }) {
  const [asked, setAsked] = useState(false);
  const [error, setError] = useState('');
  const cancel = () => {
    setAsked(true);
    api.operations.cancel(op.id).then(
      () => undefined,
      (err: unknown) => {
        setAsked(false);
        setError(errorText(err));
      },
    );
  };
  return (
    <span class="task-cancel">
      <button type="button" class="button button-small" data-testid="task-cancel" aria-label={t.taskLog.cancelTask(op.kind)} disabled={asked} onClick={cancel}>
        {asked ? t.taskLog.cancelling : t.taskLog.cancel}
      </button>
      {error && <span class="field-error" role="alert">{error}</span>}
    </span>
  );
}

const resultText = (op: Operation) => (op.state === 'running' ? t.taskLog.running : op.state === 'succeeded' ? t.taskLog.succeeded : t.taskLog.failed);

function OperationDetail({ op, onClose }: { op: Operation; onClose: () => void }) {
  return (
    <Modal title={t.taskLog.detail} onClose={onClose}>
      <dl class="kv" data-testid="task-detail">
        <dt>{t.taskLog.kind}</dt>
        <dd>{op.kind}</dd>
        <dt>{t.taskLog.target}</dt>
        <dd class="mono">{`${op.targetType} ${op.targetId}`}</dd>
        <dt>{t.taskLog.user}</dt>
        <dd>{op.username ?? '—'}</dd>
        <dt>{t.taskLog.started}</dt>
        <dd>{dateTime(op.createdAt)}</dd>
        <dt>{t.taskLog.result}</dt>
        <dd>{resultText(op)}</dd>
        <dt>{t.taskLog.duration}</dt>
        <dd>{t.taskLog.seconds(durationOf(op))}</dd>
        {op.message && <dt>{t.taskLog.message}</dt>}
        {op.message && <dd>{op.message}</dd>}
        {op.errorDetail && <dt>{t.taskLog.error}</dt>}
        {op.errorDetail && <dd class="activity-error">{`${op.errorCode ?? ''}: ${op.errorDetail}`}</dd>}
      </dl>
      <div class="form-actions">
        {op.state === 'running' && op.cancellable && <CancelButton op={op} />}
        <button type="button" class="button" onClick={onClose}>
          {t.taskLog.close}
        </button>
      </div>
    </Modal>
  );
}

/** The panel; collapsed to its header on demand. */
export function TaskLog() {
  const [ops, setOps] = useState<Operation[]>([]);
  const [open, setOpen] = useState(true);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    const poll = () =>
      api.operations.list(SHOWN).then(
        (list) => alive && setOps(list.slice(0, SHOWN)),
        () => undefined,
      );
    void poll();
    const timer = setInterval(poll, 2000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);
  const chosen = ops.find((o) => o.id === selected);
  return (
    <section class="task-log card" aria-label={t.taskLog.title} data-testid="task-log">
      <div class="card-head">
        <h2>{t.taskLog.title}</h2>
        <button type="button" class="button button-small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t.taskLog.hide : t.taskLog.show}
        </button>
      </div>
      {open && ops.length === 0 && <p class="muted">{t.taskLog.none}</p>}
      {open && ops.length > 0 && (
        // Scrolls sideways on a narrow window instead of widening the page.
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>{t.taskLog.started}</th>
                <th>{t.taskLog.kind}</th>
                <th>{t.taskLog.target}</th>
                <th>{t.taskLog.user}</th>
                <th>{t.taskLog.progress}</th>
                <th>{t.taskLog.result}</th>
                <th>{t.taskLog.duration}</th>
              </tr>
            </thead>
            <tbody>
              {ops.map((op) => (
                <tr key={op.id} data-testid="task-row" data-kind={op.kind} data-state={op.state}>
                  <td>{dateTime(op.createdAt)}</td>
                  <td>
                    <button type="button" class="link-button" onClick={() => setSelected(op.id)}>
                      {op.kind}
                    </button>
                  </td>
                  <td class="mono">{op.targetId}</td>
                  <td>{op.username ?? '—'}</td>
                  <td>
                    {op.state === 'running' ? <ProgressBar value={op.progress} label={op.kind} /> : `${op.progress}%`}
                    {op.state === 'running' && op.cancellable && <CancelButton op={op} />}
                  </td>
                  <td data-state={op.state}>{resultText(op)}</td>
                  <td data-testid="task-duration">{t.taskLog.seconds(durationOf(op))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {chosen && <OperationDetail op={chosen} onClose={() => setSelected(undefined)} />}
    </section>
  );
}
