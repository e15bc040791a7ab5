// A loopback TCP forwarder that can cut every connection and refuse new ones while the server behind it keeps
// running and keeps its data: a network fault, for the offline-queue replay test (D.42). It forwards bytes
// unchanged; the store behind it is the real server.
import { once } from 'node:events';
import net from 'node:net';

export class TcpProxy {
  readonly #target: number;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  constructor(targetPort: number) {
    this.#target = targetPort;
  }

  async open(): Promise<this> {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(this.#target, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Drops every connection and stops listening (clients get ECONNREFUSED until `open()` again). */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
