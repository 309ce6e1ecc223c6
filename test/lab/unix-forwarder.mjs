// Forwards a unix socket to a TCP port: run inside a lab namespace by test/lab/netns-port.ts
//   node unix-forwarder.mjs SOCKET_PATH HOST PORT
// so that a process in the root namespace reaches HOST:PORT of that namespace through the socket
// file (a unix socket belongs to the filesystem, not to a network namespace): no root-namespace NIC.
// Prints "forwarding SOCKET_PATH" on stdout once it accepts connections. Each connection is one
// TCP connection; bytes are copied both ways untouched (TLS passes through end to end).
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const [socketPath, host, port] = process.argv.slice(2);
rmSync(socketPath, { force: true });
const server = createServer((client) => {
  const upstream = connect({ host, port: Number(port) });
  client.pipe(upstream).pipe(client);
  // Either side failing or closing ends both: the client sees the refusal as a reset.
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.once('error', end);
  upstream.once('error', end);
  client.once('close', end);
  upstream.once('close', end);
});
server.listen(socketPath, () => process.stdout.write(`forwarding ${socketPath}\n`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
