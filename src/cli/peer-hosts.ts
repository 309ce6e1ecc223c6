/**
 * The controller's side of joined hosts: its client certificate (signed by onebox's CA, the
 * only one a host agent accepts), the join service's authority, and one PeerHostAgent over
 * mutual TLS per joined host, attached like any host and reconnected by its heartbeats.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { PeerHostAgent } from '../cluster/peer/client.js';
import { hostCertificateName } from '../lib/host-certificate.js';
import { log } from '../lib/log.js';
import type { CertificateAuthority } from '../lib/tls-ca.js';
import { TLS_FILES, type ServerTls } from '../lib/tls-files.js';
import type { Host } from '../services/hosts.js';
import type { Services } from '../services/index.js';

/** The common name of the controller's client certificate: host agents accept no other caller. */
export const CONTROLLER_CERT_NAME = 'onebox controller';
const CLIENT_FILES = { cert: 'controller-client.pem', key: 'controller-client-key.pem' } as const;

/** Heartbeat timings of joined hosts. */
export interface PeerTimings {
  beatMs: number;
  lostAfterMs: number;
}

/** Reads the CA and makes sure the controller's client certificate exists. */
async function controllerIdentity(tlsDir: string): Promise<{ ca: CertificateAuthority; certPem: string; keyPem: string }> {
  const ca = { certPem: readFileSync(join(tlsDir, TLS_FILES.caCert), 'utf8'), keyPem: readFileSync(join(tlsDir, TLS_FILES.caKey), 'utf8') };
  const [certFile, keyFile] = [join(tlsDir, CLIENT_FILES.cert), join(tlsDir, CLIENT_FILES.key)];
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const { issueCertificate } = await import('../lib/tls-ca.js');
    const issued = await issueCertificate(ca, { commonName: CONTROLLER_CERT_NAME, altNames: ['onebox-controller'], usage: 'client', validityDays: 3650 });
    writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
    writeFileSync(certFile, issued.certPem, { mode: 0o600 });
  }
  return { ca, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

/** Sets up joining (when the server uses onebox's CA) and connects every joined host. */
export async function startJoinedHosts(s: Services, tls: ServerTls | undefined, tlsDir: string, url: string, timings: PeerTimings): Promise<void> {
  if (!tls?.caFile) {
    log.info("joining is off: the server does not use onebox's own CA");
    return;
  }
  const id = await controllerIdentity(tlsDir);
  const connect = (host: Host) => void attachPeer(s, host, id, timings);
  // A new host starts serving only once it has stored the answer: first dial a second later.
  s.join.configure({ ca: id.ca, fingerprint: tls.fingerprint, url, onJoined: (host) => void setTimeout(() => connect(host), 1000).unref() });
  for (const host of s.hosts.list()) if (!host.isLocal && host.agentUrl) connect(host);
}

/** Connects to a joined host's agent until it answers (its instances show `lost` meanwhile), then attaches it. */
async function attachPeer(s: Services, host: Host, id: { ca: CertificateAuthority; certPem: string; keyPem: string }, timings: PeerTimings): Promise<void> {
  // The host's certificate must be the one issued to this host, not another host's.
  const expected = hostCertificateName(host.id);
  const agent = new HttpsAgent({
    ca: id.ca.certPem, cert: id.certPem, key: id.keyPem, keepAlive: true, minVersion: 'TLSv1.3',
    checkServerIdentity: (name: string, cert: PeerCertificate) => checkServerIdentity(name, cert) ?? (cert.subject?.CN === expected ? undefined : new Error(`the agent at ${host.agentUrl} is not host ${host.id} (certificate ${cert.subject?.CN})`)),
  });
  let markedLost = false;
  for (let delay = 1000; !s.hosts.wasRemoved(host.id); delay = Math.min(delay * 2, timings.lostAfterMs, 10_000)) {
    try {
      const peer = await PeerHostAgent.connect({ baseUrl: host.agentUrl!, agent, retryMs: Math.min(1000, timings.beatMs), beatMs: timings.beatMs, lostAfterMs: timings.lostAfterMs });
      try {
        await s.hosts.attach(peer, { hostId: host.id });
      } catch (err) {
        await peer.close();
        throw err;
      }
      log.info('joined host attached', { host: host.name, agent: host.agentUrl });
      return;
    } catch (err) {
      if (!markedLost) {
        markedLost = true;
        log.warn('a joined host does not answer; retrying', { host: host.name, agent: host.agentUrl, error: String(err) });
        await s.reconciler.refreshHost(host.id).catch(() => undefined); // its instances show `lost`
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  agent.destroy();
}
