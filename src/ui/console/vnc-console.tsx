/** @jsxImportSource hono/jsx/dom */
/**
 * The graphical console: noVNC (loaded lazily as its own chunk) over the same-origin console
 * websocket, authorised by a fresh single-use token per connect, in the shared console frame
 * (state, ISO, power, full screen), with Ctrl+Alt+Del (and a word that it was sent).
 */
import type RFB from '@novnc/novnc';
import { useRef } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { api, websocketUrl } from '../api.js';
import { t } from '../i18n/index.js';
import { ConsoleFrame, useNotice } from './console-frame.js';
import { useConsoleSession } from './use-console-session.js';

/** noVNC console for a running instance; a clear message when it is not running. */
export function VncConsole({ instance }: { instance: Instance }) {
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [notice, showNotice] = useNotice();
  const session = useConsoleSession(instance, async (ctx) => {
    const [{ default: Rfb }, token] = await Promise.all([import('@novnc/novnc'), api.instances.consoleToken(instance.id, 'vnc')]);
    if (ctx.cancelled() || !screen.current) return;
    const rfb = new Rfb(screen.current, websocketUrl(token.path), { credentials: { password: token.password ?? '' } });
    ctx.onEnd(() => {
      rfbRef.current = null;
      rfb.disconnect();
    });
    rfb.scaleViewport = true;
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
  const connected = session.status === 'connected';
  const ctrlAltDel = () => {
    if (!rfbRef.current) return;
    rfbRef.current.sendCtrlAltDel();
    showNotice(t.console.sent(t.console.ctrlAltDel, instance.name));
  };

  return (
    <ConsoleFrame
      instance={instance}
      session={session}
      notice={notice}
      tools={
        <button type="button" class="button button-small" data-tool="ctrl-alt-del" disabled={!connected} onClick={ctrlAltDel}>
          {t.console.ctrlAltDel}
        </button>
      }
    >
      <div class="console-screen vnc-screen" ref={screen} style={session.running ? undefined : { display: 'none' }} />
    </ConsoleFrame>
  );
}
