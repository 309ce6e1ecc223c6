/** @jsxImportSource hono/jsx/dom */
/**
 * The serial console: xterm.js (a lazy chunk) on the console websocket with a fresh token per
 * connect. Earlier output comes from the console log; keystrokes go out as binary frames.
 */
import { useRef, useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Instance } from '../../shared/api-types.js';
import { api, ApiError, websocketUrl } from '../api.js';
import { errorText } from '../store.js';
import { consoleToken } from './console-token.js';
import { ConsoleState, ConsoleStopped, type ConsoleStatus } from './vnc-console.js';

const HISTORY_BYTES = 16 * 1024;

/** The tail of the serial console log, so the terminal does not start blank. */
async function history(instanceId: string): Promise<string> {
  const text = await api.instances.consoleLog(instanceId).catch(() => '');
  const tail = text.length > HISTORY_BYTES ? text.slice(-HISTORY_BYTES) : text;
  return tail.replace(/\r?\n/g, '\r\n');
}

/** xterm.js terminal attached to the instance's serial console. */
export function SerialConsole({ instance }: { instance: Instance }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<ConsoleStatus>('connecting');
  const [detail, setDetail] = useState('');
  const [attempt, setAttempt] = useState(0);
  const running = instance.state === 'running';

  useEffect(() => {
    if (!running) {
      setStatus('stopped');
      return;
    }
    let cancelled = false;
    // Everything this run creates, so the cleanup can undo it whatever await it was cut off at.
    const made: { term?: { dispose(): void }; observer?: ResizeObserver; ws?: WebSocket } = {};
    setStatus('connecting');
    setDetail('');
    (async () => {
      try {
        const [x, past] = await Promise.all([import('./xterm-bundle.js'), history(instance.id).catch(() => '')]);
        if (cancelled || !host.current) return;
        // lineHeight above 1: at 1× pixel ratio a row exactly one glyph high clips the underscore.
        const term = new x.Terminal({ cursorBlink: true, fontSize: 14, lineHeight: 1.2, scrollback: 5000, theme: { background: '#0f172a' } });
        made.term = term;
        const fit = new x.FitAddon();
        term.loadAddon(fit);
        term.open(host.current);
        fit.fit();
        made.observer = new ResizeObserver(() => fit.fit());
        made.observer.observe(host.current);
        if (past) term.write(past);
        const token = await consoleToken(instance.id, 'serial');
        if (cancelled) return;
        const ws = new WebSocket(websocketUrl(token.path));
        made.ws = ws;
        ws.binaryType = 'arraybuffer';
        const encoder = new TextEncoder();
        const sendBytes = (bytes: Uint8Array) => ws.readyState === WebSocket.OPEN && ws.send(bytes);
        term.onData((d) => sendBytes(encoder.encode(d)));
        term.onBinary((d) => sendBytes(Uint8Array.from(d, (c) => c.charCodeAt(0) & 255)));
        ws.onopen = () => {
          if (cancelled) return;
          term.loadAddon(new x.AttachAddon(ws, { bidirectional: false }));
          setStatus('connected');
          term.focus();
        };
        ws.onclose = (e) => {
          if (cancelled) return;
          setStatus('disconnected');
          if (e.reason) setDetail(`The console closed: ${e.reason}`);
        };
      } catch (err) {
        if (cancelled) return;
        if (err instanceof ApiError && err.code === 'instance_not_running') return setStatus('stopped');
        setStatus('error');
        setDetail(errorText(err));
      }
    })();
    return () => {
      cancelled = true;
      made.ws?.close();
      made.observer?.disconnect();
      made.term?.dispose();
    };
  }, [instance.id, running, attempt]);

  return (
    <div class="console">
      <div class="console-bar">
        <ConsoleState status={status} detail={detail} />
        <div class="console-buttons">
          {(status === 'disconnected' || status === 'error') && (
            <button type="button" class="button button-small button-primary" onClick={() => setAttempt(attempt + 1)}>
              Reconnect
            </button>
          )}
        </div>
      </div>
      {detail && <div class="note note-error console-detail">{detail}</div>}
      {running ? <div class="console-screen serial-screen" ref={host} /> : <div class="console-screen"><ConsoleStopped instance={instance} /></div>}
    </div>
  );
}
