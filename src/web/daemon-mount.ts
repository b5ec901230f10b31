// The viewer inside the daemon (daemon.http.viewer: true): on the daemon's port and store, with its runs live.
import type http from "node:http";
import { existsSync } from "node:fs";
import type { Logger } from "../logger.js";
import type { Store } from "../store/index.js";
import { createViewerApp } from "./app.js";
import type { LiveRuns } from "./live.js";
import { viewerListener } from "./server.js";
import { checkExposure, loadViewerConfig, resolveViewerAuth } from "./viewer-config.js";

export interface DaemonViewerOptions {
  /** The configuration file: its `viewer:` section gives the logins (the environment fills what it lacks). */
  configFile: string;
  /** daemon.http.host: beyond loopback a login is required. */
  host: string;
  store: Store;
  live: LiveRuns;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

/** The request listener for the daemon's server; throws CONFIG_INVALID when it would be exposed without a login. */
export async function daemonViewer(options: DaemonViewerOptions): Promise<http.RequestListener> {
  const env = options.env ?? process.env;
  // A configuration made in memory (tests, the demo) has no file to read: the environment alone says.
  const section = existsSync(options.configFile) ? await loadViewerConfig(options.configFile, { env }) : undefined;
  const auth = resolveViewerAuth(section, env);
  checkExposure(options.host, auth, "daemon.http.host");
  const logger = options.logger.child({ component: "viewer" });
  logger.info({ login: auth ? "required" : "none (loopback)" }, "report viewer mounted on the daemon's HTTP server");
  return viewerListener(createViewerApp({ store: options.store, auth, live: options.live, logger }));
}
