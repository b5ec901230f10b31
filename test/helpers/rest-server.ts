// A small JSON API on loopback for REST source tests: routes as functions, every request recorded.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RestRequestSeen {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** The body as text ("" for none). */
  body: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface RestReply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless `raw` is given. */
  json?: unknown;
  raw?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type RestRoute = (request: RestRequestSeen) => RestReply | Promise<RestReply>;

export interface RestServer {
  url: string;
  requests: RestRequestSeen[];
  /** Replaces the handler: the route for every request from now on. */
  handle(route: RestRoute): void;
  close(): Promise<void>;
}

export async function startRestServer(route: RestRoute = () => ({ status: 404, json: { error: "no route" } })): Promise<RestServer> {
  let current = route;
  const requests: RestRequestSeen[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const seen: RestRequestSeen = { method: req.method ?? "GET", url: new URL(req.url ?? "/", "http://127.0.0.1"), headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      requests.push(seen);
      void Promise.resolve()
        .then(() => current(seen))
        .then(async (reply) => {
          if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
          if (res.destroyed) return;
          const body = reply.raw ?? JSON.stringify(reply.json ?? null);
          res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(err));
        });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `count` contacts shaped like a simple CRM's JSON: id, name, company, phone. */
export function contacts(count: number, from = 1): Array<{ id: number; name: string; company: string; phone: string }> {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, name: `Name ${from + i}`, company: `Company ${from + i}`, phone: `+39 02 ${String(1_000_000 + from + i)}` }));
}
