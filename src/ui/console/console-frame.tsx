/** @jsxImportSource hono/jsx/dom */
/**
 * The frame both consoles share: a toolbar with the connection state, the console's own tools,
 * the ISO buttons, the instance's power controls (the same names as everywhere), full screen
 * and reconnect; then the screen, or a message with a Start button while the instance is off.
 */
import type { Child } from 'hono/jsx/dom';
import { useRef, useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { startAction } from '../actions.js';
import { InstanceActions } from '../components/instance-actions.js';
import { MediaButtons } from '../components/media-buttons.js';
import { useMounted } from '../form.js';
import { t } from '../i18n/index.js';
import type { ConsoleSession, ConsoleStatus } from './use-console-session.js';

/** A short confirmation ("Sent Ctrl+Alt+Del to ui-1.") that goes away after a few seconds. */
export function useNotice(): [string, (text: string) => void] {
  const [notice, setNotice] = useState('');
  const mounted = useMounted();
  const shown = useRef(0);
  const show = (text: string) => {
    const n = ++shown.current;
    setNotice(text);
    setTimeout(() => mounted.current && shown.current === n && setNotice(''), 4000);
  };
  return [notice, show];
}

/** The state pill. */
export function ConsoleState({ status, detail }: { status: ConsoleStatus; detail?: string }) {
  return (
    <span class={`console-state console-${status}`} data-status={status} title={detail || undefined}>
      <span class="dot" aria-hidden="true" /> {t.console.status[status]}
    </span>
  );
}

/** The message shown in place of a console when the instance is off. */
export function ConsoleStopped({ instance }: { instance: Instance }) {
  return (
    <div class="console-off">
      <p>{t.console.stoppedMessage(instance.name, t.states[instance.state] ?? instance.state)}</p>
      {(instance.state === 'stopped' || instance.state === 'error') && (
        <button type="button" class="button button-primary" onClick={() => void startAction(instance, 'start').catch(() => undefined)}>
          {t.console.startIt}
        </button>
      )}
    </div>
  );
}

/** The frame; `tools` are the console's own buttons, `notice` a short confirmation (announced), `children` the screen. */
export function ConsoleFrame({ instance, session, tools, notice, children }: { instance: Instance; session: ConsoleSession; tools?: Child; notice?: string; children?: Child }) {
  const frame = useRef<HTMLDivElement>(null);
  const fullScreen = () => void frame.current?.requestFullscreen?.().catch(() => undefined);
  const { status, detail, running } = session;
  return (
    <div class="console" ref={frame}>
      <div class="console-bar" role="toolbar" aria-label={t.console.toolbar}>
        <ConsoleState status={status} detail={detail} />
        <div class="console-buttons">
          {tools}
          <MediaButtons instance={instance} onError={(m) => session.setDetail(m ?? '')} />
          <InstanceActions instance={instance} compact consoleLink={false} exclude={['delete', 'start-from-iso']} />
          <button type="button" class="button button-small" onClick={fullScreen}>
            {t.console.fullScreen}
          </button>
          {(status === 'disconnected' || status === 'error') && (
            <button type="button" class="button button-small button-primary" onClick={session.reconnect}>
              {t.console.reconnect}
            </button>
          )}
        </div>
        <span class="console-notice" role="status" aria-live="polite" data-testid="console-notice">
          {notice}
        </span>
      </div>
      {detail && <div class="note note-error console-detail">{detail}</div>}
      {!running && (
        <div class="console-screen">
          <ConsoleStopped instance={instance} />
        </div>
      )}
      {children}
    </div>
  );
}
