// A loopback HTTP server that answers WebDAV requests as a test says, for the answers a real server never gives;
// and the DavError a failing CardDAV call throws.
import http from "node:http";
import type net from "node:net";
import { DavError } from "../../connectors/carddav-dav.js";

/** A request as the fake server saw it. */
export interface DavRequestSeen {
  method: string;
  path: string;
  depth: string | undefined;
  /** The Authorization header, as sent. */
  authorization: string | undefined;
  body: string;
}

/** What the fake server answers: null never answers (for timeouts). */
export type FakeAnswer = { status: number; body?: string; headers?: Record<string, string> } | null;

export interface FakeDavServer {
  /** "http://127.0.0.1:port" (no trailing slash). */
  base: string;
  close(): Promise<void>;
}

/** Starts the server on a free loopback port; `respond` is asked for each request once its body is read. */
export async function startFakeDav(respond: (request: DavRequestSeen) => FakeAnswer): Promise<FakeDavServer> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const answer = respond({ method: req.method ?? "", path: req.url ?? "", depth: req.headers.depth?.toString(), authorization: req.headers.authorization, body });
      if (answer === null) return;
      res.writeHead(answer.status, { "content-type": "application/xml; charset=utf-8", ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Awaits the promise and returns its DavError; throws when it resolves or rejects with anything else. */
export async function davFailure(promise: Promise<unknown>): Promise<DavError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DavError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}
