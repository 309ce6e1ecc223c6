/**
 * Console access: short-lived single-use tokens bound to an instance and a user, and the
 * byte stream behind them (the guest's VNC server or its serial console). The API layer
 * only pipes bytes between a websocket and the stream returned here.
 */
import type { Duplex } from 'node:stream';
import type { ConsoleKind } from '../../cluster/agent-types.js';
import { AppError } from '../../lib/errors.js';
import { newSecret } from '../../lib/ids.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { InstanceRuntime } from './runtime.js';
import type { InstanceStore } from './store.js';

export type { ConsoleKind };

/** What a token grants. */
export interface ConsoleGrant {
  instanceId: string;
  userId: string;
  kind: ConsoleKind;
  expiresAt: number;
}

/** The answer to a token request. */
export interface ConsoleTicket {
  token: string;
  kind: ConsoleKind;
  expiresAt: string;
  /** Relative URL of the websocket (relative so it works behind a reverse proxy with a prefix). */
  path: string;
  /** The VNC password, for kind vnc. */
  password?: string;
}

/** Issues and redeems console tokens and opens console streams. */
export class ConsoleService {
  private readonly grants = new Map<string, ConsoleGrant>();

  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly audit: AuditService,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token for a running instance's console. */
  issue(idOrName: string, kind: ConsoleKind, actor: Actor): ConsoleTicket {
    const row = this.store.get(idOrName);
    if (row.state !== 'running' && row.state !== 'paused')
      throw new AppError('instance_not_running', `Instance '${row.name}' is ${row.state}; start it to use its console.`);
    this.sweep();
    const token = newSecret(24);
    const expiresAt = this.now() + this.ttlMs;
    this.grants.set(token, { instanceId: row.id, userId: actor.userId, kind, expiresAt });
    this.audit.record(actor, `console_${kind}`, 'instance', row.id, row.name);
    return {
      token,
      kind,
      expiresAt: new Date(expiresAt).toISOString(),
      path: `api/v1/console/ws?token=${encodeURIComponent(token)}`,
      ...(kind === 'vnc' ? { password: row.vncPassword } : {}),
    };
  }

  /** Consumes a token: valid once, before it expires, for the user it was issued to. */
  redeem(token: string, actor: Actor): ConsoleGrant {
    const grant = this.grants.get(token);
    this.grants.delete(token);
    if (!grant) throw new AppError('console_token_invalid', 'The console token is unknown or was already used; request a new one.');
    if (grant.expiresAt < this.now()) throw new AppError('console_token_expired', 'The console token has expired; request a new one.');
    if (grant.userId !== actor.userId) throw new AppError('console_token_invalid', 'The console token was issued to another user.');
    return grant;
  }

  /** Opens the byte stream a grant stands for. */
  async open(grant: ConsoleGrant): Promise<Duplex> {
    const row = this.store.get(grant.instanceId);
    const agent = this.runtime.agentFor(row);
    return callAgent(row.name, () => agent.consoles.open(row.domainName, grant.kind));
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, grant] of this.grants) if (grant.expiresAt < now) this.grants.delete(token);
  }
}
