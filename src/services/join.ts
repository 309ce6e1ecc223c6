/**
 * Joining servers: one-time, expiring join tokens (only their SHA-256 is stored) and the join
 * itself — a new server presents a token and a CSR; the controller signs it with onebox's CA
 * (a client+server certificate for mutual TLS) and records the host, unassigned to any pool.
 * Connecting to the new host is the composition root's job (`onJoined`).
 */
import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { hosts, joinTokens } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { hostCertificateName } from '../lib/host-certificate.js';
import { newId, newSecret } from '../lib/ids.js';
import type { CertificateAuthority } from '../lib/tls-ca.js';
import type { JoinAnswer, JoinTokenView, NewJoinToken } from '../shared/join.js';
export type { JoinTokenView, NewJoinToken } from '../shared/join.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import type { Host } from './hosts.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const HOST_CERT_DAYS = 3650;

/** What the controller's TLS setup gives the join service (set once the server's certificate is known). */
export interface JoinAuthority {
  /** onebox's CA (undefined when the server uses the operator's certificate or plain HTTP). */
  ca: CertificateAuthority | undefined;
  /** SHA-256 fingerprint of the certificate the API port serves (`AB:CD:…`). */
  fingerprint: string;
  /** The URL a joiner dials (`https://addr:5870`). */
  url: string;
  /** A host joined: connect to its agent. */
  onJoined(host: Host): void;
}

/** What a joining server sends. */
export interface JoinRequest {
  token: string;
  csr: string;
  /** Its agent endpoint, `https://addr:port`. */
  advertise: string;
  facts: { hostname: string; cpus: number; memoryMiB: number; accel: 'kvm' | 'tcg'; accelReason?: string; libvirtVersion?: string; hypervisorVersion?: string };
}

/** Join tokens and joins. */
export class JoinService {
  private authority?: JoinAuthority;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  /** Called once the server's TLS is ready. */
  configure(authority: JoinAuthority): void {
    this.authority = authority;
  }

  private requireCa(): JoinAuthority & { ca: CertificateAuthority } {
    const a = this.authority;
    if (!a?.ca) throw new AppError('join_needs_onebox_tls', "Joining needs the server to use onebox's own certificate authority (not --tls-cert or --insecure-http).");
    return a as JoinAuthority & { ca: CertificateAuthority };
  }

  /** Creates a one-time token valid for `expiresInMinutes` (callers holding `hosts.join`: admins only). */
  createToken(actor: Actor, expiresInMinutes = 60): NewJoinToken {
    const authority = this.requireCa();
    const token = `obj_${newSecret(24)}`;
    const expiresAt = new Date(Date.now() + expiresInMinutes * 60_000).toISOString();
    const row = this.db.insert(joinTokens).values({ id: newId('jtk'), secretHash: sha256(token), createdBy: actor.userId, expiresAt }).returning().get();
    this.audit.record(actor, 'create', 'join_token', row.id, `expires ${expiresAt}`);
    const fingerprint = `SHA256:${authority.fingerprint}`;
    return { ...view(row), token, fingerprint, command: `onebox join ${authority.url} --token ${token} --fingerprint ${fingerprint}` };
  }

  /** Every token, newest first, without secrets. */
  listTokens(): JoinTokenView[] {
    return this.db.select().from(joinTokens).orderBy(desc(joinTokens.createdAt)).all().map(view);
  }

  /** Revokes (deletes) a token. */
  revokeToken(actor: Actor, id: string): void {
    const row = this.db.delete(joinTokens).where(eq(joinTokens.id, id)).returning().get();
    if (!row) throw new AppError('join_token_not_found', `No join token with id '${id}' exists.`);
    this.audit.record(actor, 'delete', 'join_token', id);
  }

  /** A server joins: token checked and spent, CSR signed, host recorded (no pool); the composition root then connects to it. */
  async join(req: JoinRequest, ip: string): Promise<JoinAnswer> {
    const authority = this.requireCa();
    const hash = sha256(req.token);
    checkUsable(this.db.select().from(joinTokens).where(eq(joinTokens.secretHash, hash)).get());
    const advertise = new URL(req.advertise);
    const hostId = newId('host');
    const certPem = await (await import('../lib/tls-ca.js')).signCsr(authority.ca, req.csr, {
      commonName: hostCertificateName(hostId), altNames: [advertise.hostname.replace(/^\[|\]$/g, '')], usage: 'both', validityDays: HOST_CERT_DAYS,
    });
    const host = this.db.transaction((tx) => {
      // Checked again inside the transaction: two joins racing with one token, one wins.
      const token = checkUsable(tx.select().from(joinTokens).where(eq(joinTokens.secretHash, hash)).get());
      const taken = new Set(tx.select({ name: hosts.name }).from(hosts).all().map((h) => h.name));
      let name = req.facts.hostname;
      for (let i = 2; taken.has(name); i++) name = `${req.facts.hostname}-${i}`;
      const f = req.facts;
      const row = tx
        .insert(hosts)
        .values({
          id: hostId, name, address: advertise.hostname.replace(/^\[|\]$/g, ''), poolId: null, accel: f.accel, accelReason: f.accelReason ?? '', cpus: f.cpus, memoryMiB: f.memoryMiB,
          libvirtVersion: f.libvirtVersion ?? '', hypervisorVersion: f.hypervisorVersion ?? '', isLocal: false, agentUrl: advertise.origin, lastSeenAt: new Date().toISOString(),
        })
        .returning()
        .get();
      tx.update(joinTokens).set({ usedAt: new Date().toISOString(), usedByHostId: hostId }).where(eq(joinTokens.id, token.id)).run();
      return row;
    });
    this.audit.record({ userId: 'join', username: `join:${host.name}`, role: 'user', ip }, 'join', 'host', host.id, `agent ${host.agentUrl}`);
    authority.onJoined(host);
    return { hostId: host.id, hostName: host.name, certPem, caPem: authority.ca.certPem };
  }
}

type TokenRow = typeof joinTokens.$inferSelect;

function view(row: TokenRow): JoinTokenView {
  const state = row.usedAt ? 'used' : Date.parse(row.expiresAt) <= Date.now() ? 'expired' : 'valid';
  return { id: row.id, createdAt: row.createdAt, expiresAt: row.expiresAt, usedAt: row.usedAt, usedByHostId: row.usedByHostId, state };
}

function checkUsable(row: TokenRow | undefined): TokenRow {
  if (!row) throw new AppError('join_token_invalid', 'The join token is not one this server issued (or it was revoked).');
  if (row.usedAt) throw new AppError('join_token_used', `The join token ${row.id} was already used at ${row.usedAt}; create a new one.`);
  if (Date.parse(row.expiresAt) <= Date.now()) throw new AppError('join_token_expired', `The join token ${row.id} expired at ${row.expiresAt}; create a new one.`);
  return row;
}
