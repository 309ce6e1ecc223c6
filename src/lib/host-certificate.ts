/**
 * How onebox names a host's certificate (the one a joined host gets at join, and the one `serve`
 * issues for its own host), and the subject pattern libvirtd's `tls_allowed_dn_list` admits: a
 * host's libvirtd takes migration connections from other hosts only, not from every certificate
 * onebox's CA signed (the controller's client certificate, the HTTPS server certificate, whose
 * common names are "onebox controller" and the machine's host name, which holds no space).
 */

const PREFIX = 'onebox host ';

/** The common name of the certificate of host `id` (a host id at join; the controller's own host uses its address). */
export const hostCertificateName = (id: string): string => `${PREFIX}${id}`;

/**
 * The subject of every host certificate, as libvirt matches it (GnuTLS's RFC 4514 form of a
 * subject that has only a CN; `*` as in fnmatch). Hosts joined by any earlier onebox match too:
 * their certificates always carried this common name.
 */
export const HOST_CERTIFICATE_DN = `CN=${PREFIX}*`;

/** Whether a certificate subject (Node's X509Certificate.subject, `CN=…` lines) is a host certificate's. */
export const isHostCertificateSubject = (subject: string): boolean => subject.trim().startsWith(`CN=${PREFIX}`) && !subject.trim().includes('\n');
