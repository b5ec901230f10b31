// The report viewer as a Hono app: security headers on everything, read-only methods, the login, then the pages.
import { Hono } from "hono";
import { toSyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { requireLogin } from "./auth.js";
import type { ViewerDeps, ViewerEnv, ViewerStore } from "./context.js";
import { readOnly, securityHeaders } from "./headers.js";
import { messagePage } from "./layout.js";
import type { LiveRuns } from "./live.js";
import type { FailureLimitOptions } from "./rate-limit.js";
import { registerAssets } from "./routes/assets.js";
import { registerContactPage } from "./routes/contact.js";
import { registerEvents } from "./routes/events.js";
import { registerExport } from "./routes/export.js";
import { registerJobPage } from "./routes/job.js";
import { registerRunPage } from "./routes/run.js";
import { registerRunsList } from "./routes/runs.js";
import type { ViewerAuth } from "./viewer-config.js";

export interface ViewerAppOptions {
  store: ViewerStore;
  /** Logins to require; null: none (only for a viewer on loopback, see checkExposure). */
  auth: ViewerAuth | null;
  /** Runs in progress here (the daemon); absent for a plain `serve`. */
  live?: LiveRuns;
  logger?: Logger;
  /** Failed-login limits (tests shorten them). */
  limits?: FailureLimitOptions;
  /** Keep-alive period of live streams; default 15 000 ms. */
  keepAliveMs?: number;
}

export const DEFAULT_KEEP_ALIVE_MS = 15_000;

export function createViewerApp(options: ViewerAppOptions): Hono<ViewerEnv> {
  const logger = options.logger ?? silentLogger;
  const deps: ViewerDeps = { store: options.store, live: options.live, logger, keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS };
  const app = new Hono<ViewerEnv>();
  app.use("*", securityHeaders);
  app.use("*", readOnly);
  if (options.auth) app.use("*", requireLogin(options.auth, logger, options.limits));

  registerRunsList(app, deps);
  registerRunPage(app, deps);
  registerExport(app, deps);
  registerEvents(app, deps);
  registerJobPage(app, deps);
  registerContactPage(app, deps);
  registerAssets(app, deps);

  app.notFound((c) => c.html(messagePage("Not found", `There is no page at ${c.req.path}.`, deps.store.location), 404));
  app.onError((err, c) => {
    const error = toSyncError(err);
    logger.error({ err: error.toJSON(), path: c.req.path }, "viewer page failed");
    const message = error.code === "STORE_FAILED" ? `The store did not answer: ${error.message}` : "The page could not be made; the log says why.";
    return c.html(messagePage("Something went wrong", message, deps.store.location), 500);
  });
  return app;
}
