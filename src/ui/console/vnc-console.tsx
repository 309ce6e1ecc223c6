/** @jsxImportSource hono/jsx/dom */
/**
 * The graphical console: noVNC (loaded lazily as its own chunk) over the same-origin console
 * websocket, authorised by a fresh single-use token per connect, in the shared console frame
 * (state, ISO, power, full screen), with its own tools (vnc-tools.tsx): Ctrl+Alt+Del, extra
 * keys, paste as keystrokes and fit-to-window.
 */
import type RFB from '@novnc/novnc';
import { useRef, useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { api, websocketUrl } from '../api.js';
import { t } from '../i18n/index.js';
import { ConsoleFrame, useNotice } from './console-frame.js';
import { useConsoleSession } from './use-console-session.js';
import { VncTools } from './vnc-tools.js';

/** noVNC console for a running instance; a clear message when it is not running. */
export function VncConsole({ instance }: { instance: Instance }) {
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [notice, showNotice] = useNotice();
  const [fit, setFit] = useState(true);
  const fitRef = useRef(fit);
  fitRef.current = fit;
  const session = useConsoleSession(instance, async (ctx) => {
    const [{ default: Rfb }, token] = await Promise.all([import('@novnc/novnc'), api.instances.consoleToken(instance.id, 'vnc')]);
    if (ctx.cancelled() || !screen.current) return;
    const rfb = new Rfb(screen.current, websocketUrl(token.path), { credentials: { password: token.password ?? '' } });
    ctx.onEnd(() => {
      rfbRef.current = null;
      rfb.disconnect();
    });
    rfb.scaleViewport = fitRef.current;
    rfb.background = '#0f172a';
    rfb.addEventListener('connect', () => ctx.setStatus('connected'));
    rfb.addEventListener('disconnect', (e) => {
      ctx.setStatus('disconnected');
      if (!(e as CustomEvent<{ clean: boolean }>).detail?.clean) ctx.setDetail(t.console.lost);
    });
    rfb.addEventListener('credentialsrequired', () => rfb.sendCredentials({ password: token.password ?? '' }));
    rfb.addEventListener('securityfailure', (e) => ctx.setDetail(t.console.vncAuthFailed((e as CustomEvent<{ reason?: string }>).detail?.reason ?? t.console.unknownReason)));
    rfbRef.current = rfb;
  });
  const onFit = (on: boolean) => {
    setFit(on);
    if (rfbRef.current) rfbRef.current.scaleViewport = on;
  };

  return (
    <ConsoleFrame
      instance={instance}
      session={session}
      notice={notice}
      tools={<VncTools rfb={() => rfbRef.current} name={instance.name} connected={session.status === 'connected'} notify={showNotice} fit={fit} onFit={onFit} />}
    >
      <div class="console-screen vnc-screen" ref={screen} style={session.running ? undefined : { display: 'none' }} />
    </ConsoleFrame>
  );
}
