// What every page of the viewer works with: the store's read side, the live runs, the logger; and the Hono env type.
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { Logger } from "../logger.js";
import type { Store } from "../store/index.js";
import type { LiveRuns } from "./live.js";

/** The store calls the viewer makes: reads only. */
export type ViewerStore = Pick<Store, "location" | "listRuns" | "getRun" | "countResults" | "queryResults" | "contactHistory" | "contactStanding" | "listJobs">;

export interface ViewerDeps {
  store: ViewerStore;
  /** The runs in progress in this process (the daemon); undefined for a plain `serve`. */
  live: LiveRuns | undefined;
  logger: Logger;
  /** How often an open live stream sends a comment line, so proxies keep it open. Default 15 000 ms. */
  keepAliveMs: number;
}

/** Requests come from Node's HTTP server (no bindings in `app.request()` tests). */
export type ViewerEnv = { Bindings: Partial<HttpBindings> };
export type ViewerContext = Context<ViewerEnv>;

/** The client's address, for the login limit and the log; "unknown" without a socket. */
export function clientAddress(c: ViewerContext): string {
  return c.env?.incoming?.socket?.remoteAddress ?? "unknown";
}
