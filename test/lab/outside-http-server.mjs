// The lab's "outside": an HTTP server that answers every GET with a known body. Run inside the
// lab's out namespace by test/lab/netns-lab.ts:  node outside-http-server.mjs ADDRESS PORT BODY
// Prints "listening ADDRESS:PORT" on stdout once it accepts connections.
import { createServer } from 'node:http';

const [address, port, body] = process.argv.slice(2);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${body}\n`);
});
server.listen(Number(port), address, () => process.stdout.write(`listening ${address}:${port}\n`));
