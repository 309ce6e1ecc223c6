/** Opens a TCP connection as a Duplex, failing after a timeout (used for guests' VNC servers). */
import { connect, type Socket } from 'node:net';

/** Connects to host:port; rejects when the connection is refused or takes longer than `timeoutMs`. */
export function openTcpStream(host: string, port: number, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
