/**
 * Domain lifecycle events over one LibvirtConnection: registers a single LIFECYCLE callback
 * with libvirtd (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY), registers it again after every
 * reconnect (retrying with backoff while that fails and the connection stays up), and fans
 * decoded events out to listeners.
 */
import type { DomainLifecycleEvent } from '../types.js';
import type { LibvirtConnection } from './connection.js';
import { lifecycleEventName, formatUuid } from './mapping.js';

const VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;

/** How DomainLifecycleEvents retries a failed registration, and where it reports. */
export interface DomainEventsOptions {
  /** Backoff between registration attempts after a reconnect (0.5 s doubling to 30 s by default). */
  retry?: { initialDelayMs: number; maxDelayMs: number };
  /** Receives a line per failed registration. */
  log?: (line: string) => void;
}

/** Keeps a lifecycle event subscription alive across reconnects. */
export class DomainLifecycleEvents {
  private callbackId: number | undefined;
  private readonly listeners = new Set<(e: DomainLifecycleEvent) => void>();
  private readonly offMessage: () => void;
  private readonly offReconnect: () => void;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly conn: LibvirtConnection,
    private readonly opts: DomainEventsOptions,
  ) {
    this.offMessage = conn.onMessage('DOMAIN_EVENT_CALLBACK_LIFECYCLE', (m) => {
      if (m.callbackID !== this.callbackId) return;
      const event: DomainLifecycleEvent = {
        name: m.msg.dom.name,
        uuid: formatUuid(m.msg.dom.uuid),
        event: lifecycleEventName(m.msg.event),
        detail: m.msg.detail,
      };
      for (const l of this.listeners) l(event);
    });
    this.offReconnect = conn.onReconnect(() => this.reregister());
  }

  /** Registers the callback with libvirtd and returns the subscription. */
  static async start(conn: LibvirtConnection, opts: DomainEventsOptions = {}): Promise<DomainLifecycleEvents> {
    const events = new DomainLifecycleEvents(conn, opts);
    await events.register();
    return events;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (e: DomainLifecycleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deregisters the callback (best effort, bounded by the connection's close deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.offMessage();
    this.offReconnect();
    this.listeners.clear();
    const id = this.callbackId;
    this.callbackId = undefined;
    if (id !== undefined && this.conn.state === 'open') {
      await this.conn.call('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', { callbackID: id }, { timeoutMs: this.conn.closeTimeoutMs }).catch(() => undefined);
    }
  }

  private async register(): Promise<void> {
    const ret = await this.conn.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom: null });
    this.callbackId = ret.callbackID;
  }

  /** After a reconnect: the old callback id died with the old connection; register anew, retrying in the background. */
  private async reregister(): Promise<void> {
    this.callbackId = undefined;
    clearTimeout(this.retryTimer);
    await this.register().catch((err: Error) => {
      this.retryLater(0, err);
      throw err;
    });
  }

  private retryLater(attempt: number, err: Error): void {
    // Down again: the next reconnect registers anew.
    if (this.stopped || this.conn.state !== 'open') return;
    const { initialDelayMs, maxDelayMs } = this.opts.retry ?? { initialDelayMs: 500, maxDelayMs: 30_000 };
    const delay = Math.min(initialDelayMs * 2 ** attempt, maxDelayMs);
    this.opts.log?.(`registering for domain lifecycle events failed (${err.message}); retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      if (this.stopped || this.conn.state !== 'open') return;
      this.register().then(
        () => this.opts.log?.('registered for domain lifecycle events again'),
        (next: Error) => this.retryLater(attempt + 1, next),
      );
    }, delay);
    this.retryTimer.unref();
  }
}
