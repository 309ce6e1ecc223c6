/**
 * Domain lifecycle events over one LibvirtConnection: registers a single LIFECYCLE callback
 * with libvirtd (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY), registers it again after every
 * reconnect, and fans decoded events out to listeners.
 */
import type { DomainLifecycleEvent } from '../types.js';
import type { LibvirtConnection } from './connection.js';
import { lifecycleEventName, formatUuid } from './mapping.js';

const VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;

/** Keeps a lifecycle event subscription alive across reconnects. */
export class DomainLifecycleEvents {
  private callbackId: number | undefined;
  private readonly listeners = new Set<(e: DomainLifecycleEvent) => void>();
  private readonly offMessage: () => void;
  private readonly offReconnect: () => void;

  private constructor(private readonly conn: LibvirtConnection) {
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
    this.offReconnect = conn.onReconnect(() => this.register());
  }

  /** Registers the callback with libvirtd and returns the subscription. */
  static async start(conn: LibvirtConnection): Promise<DomainLifecycleEvents> {
    const events = new DomainLifecycleEvents(conn);
    await events.register();
    return events;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (e: DomainLifecycleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deregisters the callback (best effort: the connection may already be gone). */
  async stop(): Promise<void> {
    this.offMessage();
    this.offReconnect();
    this.listeners.clear();
    const id = this.callbackId;
    this.callbackId = undefined;
    if (id !== undefined && this.conn.state === 'open') {
      await this.conn.call('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', { callbackID: id }).catch(() => undefined);
    }
  }

  private async register(): Promise<void> {
    const ret = await this.conn.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom: null });
    this.callbackId = ret.callbackID;
  }
}
