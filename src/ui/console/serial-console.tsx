/** @jsxImportSource hono/jsx/dom */
/**
 * The serial console: xterm.js (a lazy chunk) on the console websocket with a fresh token per
 * connect, in the shared console frame (state, ISO, power, full screen). Earlier output comes
 * from the console log; keystrokes go out as binary frames.
 */
import { useRef } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { api, websocketUrl } from '../api.js';
import { t } from '../i18n/index.js';
import { ConsoleFrame } from './console-frame.js';
import { useConsoleSession } from './use-console-session.js';

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
  const session = useConsoleSession(instance, async (ctx) => {
    const [x, past] = await Promise.all([import('./xterm-bundle.js'), history(instance.id).catch(() => '')]);
    if (ctx.cancelled() || !host.current) return;
    // lineHeight above 1: at 1× pixel ratio a row exactly one glyph high clips the underscore.
    const term = new x.Terminal({ cursorBlink: true, fontSize: 14, lineHeight: 1.2, scrollback: 5000, theme: { background: '#0f172a' } });
    ctx.onEnd(() => term.dispose());
    const fit = new x.FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host.current);
    ctx.onEnd(() => observer.disconnect());
    if (past) term.write(past);
    const token = await api.instances.consoleToken(instance.id, 'serial');
    if (ctx.cancelled()) return;
    const ws = new WebSocket(websocketUrl(token.path));
    ctx.onEnd(() => ws.close());
    ws.binaryType = 'arraybuffer';
    const encoder = new TextEncoder();
    const sendBytes = (bytes: Uint8Array) => ws.readyState === WebSocket.OPEN && ws.send(bytes);
    term.onData((d) => sendBytes(encoder.encode(d)));
    term.onBinary((d) => sendBytes(Uint8Array.from(d, (c) => c.charCodeAt(0) & 255)));
    ws.onopen = () => {
      if (ctx.cancelled()) return;
      term.loadAddon(new x.AttachAddon(ws, { bidirectional: false }));
      ctx.setStatus('connected');
      term.focus();
    };
    ws.onclose = (e) => {
      ctx.setStatus('disconnected');
      if (e.reason) ctx.setDetail(t.console.closed(e.reason));
    };
  });

  return (
    <ConsoleFrame instance={instance} session={session}>
      {session.running && <div class="console-screen serial-screen" ref={host} />}
    </ConsoleFrame>
  );
}
