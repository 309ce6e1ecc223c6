/**
 * The connection state machine both consoles share: connect while the instance runs (a fresh
 * single-use token each time), show "stopped" when it does not, report a lost connection,
 * reconnect on demand, and undo everything a connection made when it ends or the page goes.
 */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { ApiError } from '../api.js';
import { useEffect } from '../hooks.js';
import { errorText } from '../store.js';

/** Connection states shown to the user. */
export type ConsoleStatus = 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'error';

/** What a connect function gets: setters that do nothing once this connection is over, and a place for its cleanups. */
export interface ConnectContext {
  setStatus(status: ConsoleStatus): void;
  setDetail(detail: string): void;
  /** True once the connection was replaced or the page left. */
  cancelled(): boolean;
  /** Runs `undo` when this connection ends (in reverse order of registration). */
  onEnd(undo: () => void): void;
}

/** A console's connection, for the frame and the toolbar. */
export interface ConsoleSession {
  status: ConsoleStatus;
  detail: string;
  setDetail(detail: string): void;
  running: boolean;
  reconnect(): void;
}

/** Runs `connect` while `instance` runs; again after reconnect(). */
export function useConsoleSession(instance: Instance, connect: (ctx: ConnectContext) => Promise<void>): ConsoleSession {
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
    const undo: (() => void)[] = [];
    const ctx: ConnectContext = {
      setStatus: (s) => !cancelled && setStatus(s),
      setDetail: (d) => !cancelled && setDetail(d),
      cancelled: () => cancelled,
      onEnd: (fn) => undo.push(fn),
    };
    setStatus('connecting');
    setDetail('');
    connect(ctx).catch((err: unknown) => {
      if (cancelled) return;
      if (err instanceof ApiError && err.code === 'instance_not_running') return setStatus('stopped');
      setStatus('error');
      setDetail(errorText(err));
    });
    return () => {
      cancelled = true;
      for (const fn of undo.reverse()) fn();
    };
  }, [instance.id, running, attempt]);

  return { status, detail, setDetail, running, reconnect: () => setAttempt((a) => a + 1) };
}
