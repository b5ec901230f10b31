// A TCP proxy that passes a server's answer on up to a number of bytes and then drops the connection, as a
// server that dies or a network that fails mid-answer does.
import net from "node:net";

export interface CutProxy {
  /** "http://127.0.0.1:port" */
  url: string;
  port: number;
  /** Connections cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

/** Forwards each connection to `targetPort` on 127.0.0.1, and ends it abruptly after `afterBytes` bytes of answer. */
export async function startCutProxy(targetPort: number, afterBytes: number): Promise<CutProxy> {
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    let passed = 0;
    upstream.on("data", (chunk: Buffer) => {
      const room = afterBytes - passed;
      if (room <= 0) return;
      passed += chunk.length;
      if (chunk.length < room) {
        client.write(chunk);
        return;
      }
      cuts += 1;
      client.write(chunk.subarray(0, room), () => {
        client.resetAndDestroy();
        upstream.destroy();
      });
    });
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get cuts() {
      return cuts;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
