// The viewer's own HTTP server (`phonebook-sync serve`): Node's http server around the Hono app, closed cleanly.
import { closer, listen } from "../http-listen.js";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { SyncError } from "../errors.js";
import type { ViewerEnv } from "./context.js";

export interface ViewerServer {
  /** e.g. http://127.0.0.1:8090 */
  url: string;
  port: number;
  /** Stops listening and ends every open connection (live streams too); resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * The app as a Node request listener. Hono's adapter would by default swap the global Request and Response for
 * its own: not in a process that also talks to a PBX and a webhook with them.
 */
export function viewerListener(app: Hono<ViewerEnv>): http.RequestListener {
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return (req, res) => void listener(req, res);
}

export async function startViewerServer(app: Hono<ViewerEnv>, options: { host: string; port: number }): Promise<ViewerServer> {
  const server = http.createServer(viewerListener(app));
  await listen(server, options.port, options.host, listenError);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  return { url, port, close: closer(server) };
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string): SyncError {
  switch (err.code) {
    case "EADDRINUSE":
      return new SyncError("USAGE", `port ${port} on ${host} is in use`, { hint: "Choose another --port, or stop the process that listens on it." });
    case "EACCES":
      return new SyncError("USAGE", `port ${port} on ${host} is not allowed for this user`, { hint: "Use a --port above 1023." });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SyncError("USAGE", `--host ${host} is not an address of this machine`, { hint: "Use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its addresses." });
    default:
      return new SyncError("USAGE", `the viewer could not listen on ${host}:${port}: ${err.message}`);
  }
}
