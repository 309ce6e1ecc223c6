/**
 * Client side of libvirt's keepalive protocol (KEEPALIVE_PROGRAM): when nothing arrived for
 * `intervalMs` we send a PING; after `count` silent intervals the peer is declared dead.
 * Any incoming packet counts as a sign of life, as in libvirt's own virKeepAlive.
 */

/** Keepalive tuning: libvirt's defaults are 5 s and 5 missed intervals. */
export interface KeepaliveOptions {
  intervalMs: number;
  count: number;
}

/** Timer that pings an idle peer and reports it dead after missed answers. */
export class Keepalive {
  private lastSeen = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: KeepaliveOptions,
    private readonly sendPing: () => void,
    private readonly onDead: (silentMs: number) => void,
  ) {}

  /** Starts the periodic check. */
  start(): void {
    this.lastSeen = Date.now();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Records that something arrived from the peer. */
  touch(): void {
    this.lastSeen = Date.now();
  }

  /** Stops the timer for good. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const silent = Date.now() - this.lastSeen;
    // Small slack so a PONG answering the previous tick's PING still counts.
    if (silent >= this.opts.intervalMs * this.opts.count - this.opts.intervalMs / 2) {
      this.stop();
      this.onDead(silent);
      return;
    }
    if (silent >= this.opts.intervalMs / 2) this.sendPing();
  }
}
