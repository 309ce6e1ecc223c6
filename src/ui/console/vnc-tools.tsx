/** @jsxImportSource hono/jsx/dom */
/**
 * The graphical console's own tools, as in Proxmox's noVNC panel: Ctrl+Alt+Del, a menu of keys
 * the browser keeps for itself (Tab, Esc, F-keys, Ctrl+Alt+F1…) with sticky Ctrl and Alt, paste
 * (the text typed as key presses: guests have no shared clipboard), and fit-to-window scaling.
 */
import type RFB from '@novnc/novnc';
import { useState } from 'hono/jsx/dom';
import { Field } from '../components/field.js';
import { Modal } from '../components/modal.js';
import { t } from '../i18n/index.js';
import { ALT, CTRL, EXTRA_KEYS, ENTER, keystrokesFor, sendCombo, typeKeystrokes, type Key } from './keys.js';

/** The tools; `rfb()` is the live connection (or null), `notify` confirms what was sent. */
interface ToolsProps {
  rfb: () => RFB | null;
  name: string;
  connected: boolean;
  notify: (text: string) => void;
}

/** Types a text into the guest. */
function PasteDialog({ rfb, name, notify, onClose }: ToolsProps & { onClose: () => void }) {
  const [text, setText] = useState('');
  const [enter, setEnter] = useState(true);
  const { strokes, skipped } = keystrokesFor(text);
  const type = () => {
    const conn = rfb();
    if (!conn) return;
    typeKeystrokes(conn, strokes);
    if (enter) sendCombo(conn, [ENTER]);
    notify(t.console.pasted(strokes.length, name));
    onClose();
  };
  return (
    <Modal title={t.console.pasteTitle(name)} onClose={onClose}>
      <Field label={t.console.pasteText} hint={skipped > 0 ? t.console.pasteSkipped(skipped) : undefined}>
        <textarea name="paste" rows={4} class="mono" value={text} onInput={(e: Event) => setText((e.target as HTMLTextAreaElement).value)} autofocus />
      </Field>
      <label class="check-line">
        <input name="pasteEnter" type="checkbox" checked={enter} onChange={(e: Event) => setEnter((e.target as HTMLInputElement).checked)} /> {t.console.pasteEnter}
      </label>
      <div class="form-actions">
        <button type="button" class="button" onClick={onClose}>
          {t.common.cancel}
        </button>
        <button type="button" class="button button-primary" disabled={strokes.length === 0 && !enter} onClick={type}>
          {t.console.pasteSubmit}
        </button>
      </div>
    </Modal>
  );
}

/** The keys menu with sticky Ctrl and Alt (held down until pressed again; they add to every key sent). */
function KeysMenu({ rfb, name, connected, notify }: ToolsProps) {
  const [held, setHeld] = useState<Key[]>([]);
  const toggle = (key: Key) => {
    const conn = rfb();
    if (!conn) return;
    const down = !held.includes(key);
    conn.sendKey(key.keysym, key.code, down);
    setHeld(down ? [...held, key] : held.filter((k) => k !== key));
  };
  const send = (label: string, keys: Key[]) => {
    const conn = rfb();
    if (!conn) return;
    sendCombo(conn, keys);
    notify(t.console.sent([...held.map((k) => (k === CTRL ? 'Ctrl' : 'Alt')), label].join('+'), name));
  };
  return (
    <details class="menu" data-tool="keys">
      <summary class={`button button-small ${connected ? '' : 'disabled'}`} title={t.console.keysHint}>
        {t.console.keys}
      </summary>
      <div class="menu-list">
        <button type="button" class="button button-small" aria-pressed={String(held.includes(CTRL))} disabled={!connected} onClick={() => toggle(CTRL)}>
          {t.console.holdCtrl}
        </button>
        <button type="button" class="button button-small" aria-pressed={String(held.includes(ALT))} disabled={!connected} onClick={() => toggle(ALT)}>
          {t.console.holdAlt}
        </button>
        {EXTRA_KEYS.map((k) => (
          <button key={k.id} type="button" class="button button-small" data-key={k.id} disabled={!connected} onClick={() => send(k.label, k.keys)}>
            {k.label}
          </button>
        ))}
      </div>
    </details>
  );
}

/** Ctrl+Alt+Del, the keys menu, paste and the fit-to-window toggle. */
export function VncTools(props: ToolsProps & { fit: boolean; onFit: (fit: boolean) => void }) {
  const [pasting, setPasting] = useState(false);
  const { rfb, name, connected, notify } = props;
  const ctrlAltDel = () => {
    const conn = rfb();
    if (!conn) return;
    conn.sendCtrlAltDel();
    notify(t.console.sent(t.console.ctrlAltDel, name));
  };
  return (
    <>
      <button type="button" class="button button-small" data-tool="ctrl-alt-del" disabled={!connected} onClick={ctrlAltDel}>
        {t.console.ctrlAltDel}
      </button>
      <KeysMenu {...props} />
      <button type="button" class="button button-small" data-tool="paste" disabled={!connected} onClick={() => setPasting(true)}>
        {t.console.paste}
      </button>
      <button type="button" class="button button-small" data-tool="fit" aria-pressed={String(props.fit)} title={t.console.fitHint} onClick={() => props.onFit(!props.fit)}>
        {t.console.fit}
      </button>
      {pasting && <PasteDialog {...props} onClose={() => setPasting(false)} />}
    </>
  );
}
