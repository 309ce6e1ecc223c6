/** @jsxImportSource hono/jsx/dom */
/** The new-pool dialog: a name and the overcommit ratios, validated with the shared zod schema. */
import { useState } from 'hono/jsx/dom';
import type { Pool } from '../../shared/api-types.js';
import { createPoolSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { Modal } from '../components/modal.js';
import { errorText } from '../store.js';

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** Field errors by name for the form's values. */
function fieldErrors(input: unknown): Record<string, string> {
  const parsed = createPoolSchema.safeParse(input);
  if (parsed.success) return {};
  const out: Record<string, string> = {};
  for (const issue of parsed.error.issues) out[issue.path.join('.')] ??= issue.message;
  return out;
}

/** New-pool form in a modal; `onCreated` gets the new pool. */
export function CreatePoolDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (pool: Pool) => void }) {
  const [f, setF] = useState({ name: '', cpuOvercommit: '4', memoryOvercommit: '1' });
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const body = { name: f.name.trim(), cpuOvercommit: Number(f.cpuOvercommit), memoryOvercommit: Number(f.memoryOvercommit) };
  const errors = touched ? fieldErrors(body) : {};
  const set = (key: keyof typeof f) => (e: Event) => setF((cur) => ({ ...cur, [key]: value(e) }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setTouched(true);
    const parsed = createPoolSchema.safeParse(body);
    if (!parsed.success) return;
    setBusy(true);
    setError(undefined);
    try {
      onCreated(await api.pools.create(parsed.data));
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const err = (path: string) => errors[path] && <span class="field-error">{errors[path]}</span>;
  return (
    <Modal title="New pool" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label class="field">
          <span>Name</span>
          <input name="name" value={f.name} placeholder="gpu" onInput={set('name')} autofocus />
          {err('name')}
        </label>
        <div class="form-grid">
          <label class="field">
            <span>CPU overcommit (1–32×)</span>
            <input name="cpuOvercommit" type="number" min="1" max="32" value={f.cpuOvercommit} onInput={set('cpuOvercommit')} />
            {err('cpuOvercommit')}
          </label>
          <label class="field">
            <span>Memory overcommit (1–4×)</span>
            <input name="memoryOvercommit" type="number" min="1" max="4" value={f.memoryOvercommit} onInput={set('memoryOvercommit')} />
            {err('memoryOvercommit')}
          </label>
        </div>
        <p class="muted small">Move hosts into the pool on the Hosts page; instances are then created on them.</p>
        <ErrorNote message={error} />
        <div class="form-actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
