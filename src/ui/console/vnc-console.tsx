/** @jsxImportSource hono/jsx/dom */
/**
 * The graphical console: noVNC (loaded lazily as its own chunk) over the same-origin console
 * websocket, authorised by a fresh single-use token per connect; Ctrl+Alt+Del, inserting and
 * ejecting an ISO, power controls, full screen, and the connection state.
 */
import type RFB from '@novnc/novnc';
import { useRef, useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Instance } from '../../shared/api-types.js';
import { startAction, type InstanceAction } from '../actions.js';
import { ApiError, websocketUrl } from '../api.js';
import { MediaButtons } from '../components/media-buttons.js';
import { errorText } from '../store.js';
import { consoleToken } from './console-token.js';

/** Connection states shown to the user. */
export type ConsoleStatus = 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'error';

const statusText: Record<ConsoleStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Disconnected',
  stopped: 'Instance not running',
  error: 'Connection failed',
};

/** The state pill used by both consoles. */
export function ConsoleState({ status, detail }: { status: ConsoleStatus; detail?: string }) {
  return (
    <span class={`console-state console-${status}`} data-status={status} title={detail || undefined}>
      <span class="dot" aria-hidden="true" /> {statusText[status]}
    </span>
  );
}

/** noVNC console for a running instance; a clear message when it is not running. */
export function VncConsole({ instance }: { instance: Instance }) {
  const frame = useRef<HTMLDivElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
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
    let rfb: RFB | undefined;
    setStatus('connecting');
    setDetail('');
    (async () => {
      try {
        const [{ default: Rfb }, token] = await Promise.all([import('@novnc/novnc'), consoleToken(instance.id, 'vnc')]);
        if (cancelled || !screen.current) return;
        rfb = new Rfb(screen.current, websocketUrl(token.path), { credentials: { password: token.password ?? '' } });
        rfb.scaleViewport = true;
        rfb.background = '#0f172a';
        rfb.addEventListener('connect', () => setStatus('connected'));
        rfb.addEventListener('disconnect', (e) => {
          if (cancelled) return;
          const clean = (e as CustomEvent<{ clean: boolean }>).detail?.clean;
          setStatus('disconnected');
          if (!clean) setDetail('The connection to the console was lost.');
        });
        rfb.addEventListener('credentialsrequired', () => rfb?.sendCredentials({ password: token.password ?? '' }));
        rfb.addEventListener('securityfailure', (e) => setDetail(`VNC authentication failed: ${(e as CustomEvent<{ reason?: string }>).detail?.reason ?? 'unknown reason'}.`));
        rfbRef.current = rfb;
      } catch (err) {
        if (cancelled) return;
        if (err instanceof ApiError && err.code === 'instance_not_running') return setStatus('stopped');
        setStatus('error');
        setDetail(errorText(err));
      }
    })();
    return () => {
      cancelled = true;
      rfbRef.current = null;
      rfb?.disconnect();
    };
  }, [instance.id, running, attempt]);

  const power = (action: InstanceAction) => startAction(instance, action).catch(() => undefined);
  const fullScreen = () => void frame.current?.requestFullscreen?.().catch(() => undefined);
  const connected = status === 'connected';

  return (
    <div class="console" ref={frame}>
      <div class="console-bar">
        <ConsoleState status={status} detail={detail} />
        <div class="console-buttons">
          <button type="button" class="button button-small" disabled={!connected} onClick={() => rfbRef.current?.sendCtrlAltDel()}>
            Ctrl+Alt+Del
          </button>
          <MediaButtons instance={instance} onError={(m) => setDetail(m ?? '')} />
          <button type="button" class="button button-small" disabled={!running} onClick={() => power('stop')}>
            Shut down
          </button>
          <button type="button" class="button button-small" disabled={!running} onClick={() => power('reboot')}>
            Reboot
          </button>
          <button type="button" class="button button-small" disabled={!running} onClick={() => power('reset')}>
            Reset
          </button>
          <button type="button" class="button button-small" onClick={fullScreen}>
            Full screen
          </button>
          {(status === 'disconnected' || status === 'error') && (
            <button type="button" class="button button-small button-primary" onClick={() => setAttempt(attempt + 1)}>
              Reconnect
            </button>
          )}
        </div>
      </div>
      {detail && <div class="note note-error console-detail">{detail}</div>}
      {!running && (
        <div class="console-screen">
          <ConsoleStopped instance={instance} />
        </div>
      )}
      <div class="console-screen vnc-screen" ref={screen} style={running ? undefined : { display: 'none' }} />
    </div>
  );
}

/** The message shown in place of a console when the instance is off. */
export function ConsoleStopped({ instance }: { instance: Instance }) {
  return (
    <div class="console-off">
      <p>
        <strong>{instance.name}</strong> is {instance.state}. The console is available while the instance is running.
      </p>
      {(instance.state === 'stopped' || instance.state === 'error') && (
        <button type="button" class="button button-primary" onClick={() => void startAction(instance, 'start').catch(() => undefined)}>
          Start it
        </button>
      )}
    </div>
  );
}
