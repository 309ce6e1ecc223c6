/**
 * PeerHostAgent: the HostAgent of a host reached over HTTP (see server.ts for the routes).
 * Calls are NDJSON exchanges; consoles are upgraded connections; the events stream also
 * tells whether the peer is online, and is reopened (with a `connection` event) when lost.
 * The transport is injected (an http.Agent today, an mTLS https.Agent with join).
 */
import { request as httpRequest, type Agent, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, type Duplex } from 'node:stream';
import { createInterface } from 'node:readline';
import type { AgentEvent, ArtifactRef, ArtifactSource } from '../agent-types.js';
import { AgentUnreachableError } from '../errors.js';
import type { ConsolesApi, DomainsApi, HostAgent, HostApi, NetworksApi, SeedsApi, VolumesApi } from '../host-agent.js';
import type { ProgressFn } from '../../storage/driver.js';
import { CALLS, decodeError, INSTANCE_FILE_HEADER, WITH_PROGRESS, type CallLine, type InstanceFileHeader, type WireError } from './protocol.js';
import { CONSOLE_UPGRADE } from './server.js';

/** The header naming a migrating instance's file. */
const fileHeader = (which: InstanceFileHeader): Record<string, string> => ({ [INSTANCE_FILE_HEADER]: JSON.stringify(which) });

/** Where the peer is and how to reach it. */
export interface PeerOptions {
  /** `http://127.0.0.1:port` (later https with mTLS). */
  baseUrl: string;
  agent?: Agent;
  /** Delay before reopening a lost events stream. */
  retryMs?: number;
  /** Heartbeat: the peer repeats its state on the events stream this often, and the client pings it as often (0: no beats). */
  beatMs?: number;
  /** With beats: the host is lost when nothing came on the events stream for this long. */
  lostAfterMs?: number;
}

type Group = keyof typeof CALLS;

/** A HostAgent over HTTP. */
export class PeerHostAgent implements HostAgent {
  readonly host: HostApi;
  readonly domains: DomainsApi;
  readonly volumes: VolumesApi;
  readonly seeds: SeedsApi;
  readonly consoles: ConsolesApi;
  readonly networks: NetworksApi;
  private online = false;
  private closed = false;
  private readonly listeners = new Set<(event: AgentEvent) => void>();
  private events?: ClientRequest;
  private retryTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private lastLineAt = 0;
  private lastPingAt = 0;

  private constructor(private readonly opts: PeerOptions) {
    this.host = { facts: (pools) => this.call('host', 'facts', [pools]), usage: (pools) => this.call('host', 'usage', [pools]), baselineCpu: (cpus) => this.call('host', 'baselineCpu', [cpus]), isOnline: () => this.online && !this.closed, onEvent: (l) => this.subscribe(l) };
    this.domains = this.group('domains') as unknown as DomainsApi;
    this.seeds = this.group('seeds') as unknown as SeedsApi;
    this.networks = this.group('networks') as unknown as NetworksApi;
    this.volumes = { ...(this.group('volumes') as unknown as VolumesApi), ensureArtifact: (ref, source, onProgress) => this.ensureArtifact(ref, source, onProgress), openBuild: (id) => this.stream(`/agent/builds/${encodeURIComponent(id)}`),
      openInstanceFile: (instanceId, pool, file) => this.stream('/agent/instance-files', fileHeader({ instanceId, pool, file })),
      receiveInstanceFile: (instanceId, pool, file, source) => this.sendInstanceFile({ instanceId, pool, file }, source),
    };
    this.consoles = { open: (name, kind) => this.openConsole(name, kind), log: (id, max) => this.log(id, max) };
  }

  /** Connects the events stream (so `isOnline` is known) and returns the agent. */
  static async connect(opts: PeerOptions): Promise<PeerHostAgent> {
    const peer = new PeerHostAgent(opts);
    try {
      await peer.openEvents();
    } catch (err) {
      await peer.close(); // no reconnecting in the background for an agent never handed out
      throw err;
    }
    peer.startWatchdog();
    return peer;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    this.events?.destroy();
  }

  /** Every method of a group as a plain call. */
  private group(group: Group): Record<string, (...args: unknown[]) => Promise<unknown>> {
    return Object.fromEntries(CALLS[group].map((m) => [m, (...args: unknown[]) => this.call(group, m, args)]));
  }

  private async call<T>(group: Group, method: string, args: unknown[]): Promise<T> {
    const withProgress = WITH_PROGRESS.has(`${group}.${method}`);
    const onProgress = withProgress && typeof args.at(-1) === 'function' ? (args.at(-1) as ProgressFn) : undefined;
    const sent = withProgress ? args.filter((a) => typeof a !== 'function') : args;
    const res = await this.send('POST', `/agent/call/${group}/${method}`, { 'content-type': 'application/json' }, JSON.stringify({ args: sent }));
    return this.readAnswer<T>(res, onProgress);
  }

  private async ensureArtifact(ref: ArtifactRef, source: ArtifactSource, onProgress?: ProgressFn): Promise<void> {
    if (await this.call<boolean>('volumes', 'hasArtifact', [ref])) return;
    const body = await source.open();
    const res = await this.send('PUT', '/agent/artifacts', { 'x-onebox-artifact': JSON.stringify(ref), 'content-type': 'application/octet-stream' }, body);
    await this.readAnswer(res, onProgress);
  }

  private async sendInstanceFile(which: InstanceFileHeader, source: ArtifactSource): Promise<{ sizeBytes: number; sha256: string }> {
    const body = await source.open();
    const res = await this.send('PUT', '/agent/instance-files', { ...fileHeader(which), 'content-type': 'application/octet-stream' }, body);
    return this.readAnswer(res);
  }

  private async log(instanceId: string, maxBytes: number): Promise<Readable> {
    return this.stream(`/agent/logs/${encodeURIComponent(instanceId)}?max=${maxBytes}`);
  }

  /** A byte stream the peer sends (its error rebuilt when it sends one instead). */
  private async stream(path: string, headers: Record<string, string> = {}): Promise<Readable> {
    const res = await this.send('GET', path, headers);
    if (res.statusCode !== 200) return this.readAnswer(res);
    return res;
  }

  private openConsole(name: string, kind: 'vnc' | 'serial'): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const req = this.request('GET', `/agent/consoles/${kind}/${encodeURIComponent(name)}`, { connection: 'Upgrade', upgrade: CONSOLE_UPGRADE });
      req.once('upgrade', (_res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.once('response', (res: IncomingMessage) => this.readAnswer(res).then(() => reject(new Error('the peer refused the console')), reject));
      req.once('error', (err) => reject(new AgentUnreachableError(`the host agent at ${this.opts.baseUrl} does not answer: ${err.message}`)));
      req.end();
    });
  }

  /** Reads NDJSON answer lines: progress until the result or the error. */
  private async readAnswer<T>(res: IncomingMessage, onProgress?: ProgressFn): Promise<T> {
    for await (const text of createInterface({ input: res, crlfDelay: Infinity })) {
      if (!text.trim()) continue;
      const msg = JSON.parse(text) as CallLine & { error?: WireError };
      if ('progress' in msg) onProgress?.(msg.progress);
      else if (msg.error) throw decodeError(msg.error);
      else if ('result' in msg || Object.keys(msg).length === 0) return (msg as { result?: T }).result as T;
    }
    throw new AgentUnreachableError(`the host agent at ${this.opts.baseUrl} ended the answer early (HTTP ${res.statusCode})`);
  }

  private send(method: string, path: string, headers: Record<string, string> = {}, body?: string | Readable): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.request(method, path, headers);
      req.once('response', resolve);
      req.once('error', (err) => reject(new AgentUnreachableError(`the host agent at ${this.opts.baseUrl} does not answer: ${err.message}`)));
      if (body instanceof Readable) {
        body.once('error', (err) => req.destroy(err));
        body.pipe(req);
      } else req.end(body);
    });
  }

  private request(method: string, path: string, headers: Record<string, string>): ClientRequest {
    const url = new URL(path, this.opts.baseUrl);
    return (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, agent: this.opts.agent });
  }

  /**
   * Heartbeats: every beat the controller pings the peer (the peer's sign that the controller is
   * there), and a stream that carried nothing for `lostAfterMs` is cut: the host is lost until it
   * is reopened. Killed peers are seen at once (the connection closes); this catches silent ones.
   */
  private startWatchdog(): void {
    const beatMs = this.opts.beatMs ?? 0;
    if (beatMs <= 0) return;
    const lostAfterMs = this.opts.lostAfterMs ?? beatMs * 3;
    this.watchdog = setInterval(() => {
      if (!this.online || this.retryTimer) return;
      if (Date.now() - this.lastLineAt > lostAfterMs) {
        this.events?.destroy();
        return this.lost();
      }
      if (Date.now() - this.lastPingAt < beatMs) return;
      this.lastPingAt = Date.now();
      const ping = this.request('GET', '/agent/ping', {});
      ping.setTimeout(lostAfterMs, () => ping.destroy());
      ping.once('response', (res) => res.resume());
      ping.once('error', () => undefined); // a missed ping is seen by the stream's silence
      ping.end();
    }, Math.max(20, Math.min(beatMs / 4, 250)));
    this.watchdog.unref();
  }

  private subscribe(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: AgentEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** Opens the events stream; resolves once the first line (the current state) arrived. */
  private openEvents(): Promise<void> {
    return new Promise((resolve, reject) => {
      let first = true;
      const beat = this.opts.beatMs ? `?beat=${this.opts.beatMs}` : '';
      const req = this.request('GET', `/agent/events${beat}`, {});
      this.events = req;
      req.once('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          req.destroy();
          if (first) reject(new AgentUnreachableError(`the host agent at ${this.opts.baseUrl} refused the events stream (HTTP ${res.statusCode})`));
          return this.lost();
        }
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        lines.on('line', (text) => {
          this.lastLineAt = Date.now();
          if (!text.trim()) return;
          const event = JSON.parse(text) as AgentEvent;
          if (event.type === 'connection') {
            const changed = this.online !== event.online;
            this.online = event.online;
            if (first) resolve();
            else if (changed) this.emit(event);
          } else this.emit(event);
          first = false;
        });
        res.once('close', () => this.lost());
        // 'aborted' when the peer goes away (readline passes its input's errors on).
        lines.on('error', () => this.lost());
      });
      req.on('error', (err) => {
        if (first) reject(new AgentUnreachableError(`the host agent at ${this.opts.baseUrl} does not answer: ${err.message}`));
        this.lost();
      });
      req.end();
    });
  }

  /** The events stream ended: offline until it is back (then a `connection` event makes the controller refresh). */
  private lost(): void {
    if (this.closed || this.retryTimer) return;
    if (this.online) {
      this.online = false;
      this.emit({ type: 'connection', online: false });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.openEvents().then(
        () => this.online && this.emit({ type: 'connection', online: true }),
        () => this.lost(),
      );
    }, this.opts.retryMs ?? 1000);
    this.retryTimer.unref();
  }
}
