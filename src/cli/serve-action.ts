// The work behind `phonebook-sync serve`, loaded only when it runs: --help and --version never load it.
import type { Store } from "../store/index.js";
import { createLogger, silentLogger, type Logger } from "../logger.js";
import { createViewerApp } from "../web/app.js";
import { hashPassword } from "../web/password.js";
import { startViewerServer } from "../web/server.js";
import { checkExposure, loadViewerConfig, resolveViewerAuth, type ViewerAuth } from "../web/viewer-config.js";
import { EXIT, type ExitCode } from "./exit.js";
import { readNewPassword } from "./password-prompt.js";
import { openReportStore, type ReportSource } from "./reports-store.js";
import type { ServeFlags } from "./serve.js";

export interface ServeOptions extends ReportSource {
  host: string;
  port: number;
  logger?: Logger;
}

export interface RunningViewer {
  url: string;
  store: Store;
  /** Whether requests must log in, and how. */
  login: string;
  close(): Promise<void>;
}

function loginText(auth: ViewerAuth | null): string {
  if (!auth) return "none (this machine only)";
  const ways = [auth.passwordHash ? `password of user "${auth.user}"` : "", auth.token ? "bearer token" : ""].filter((way) => way !== "");
  return `required (${ways.join(" or ")})`;
}

/** Checks the login against the address, opens the store (its section only: no PBX token needed) and listens. */
export async function startServe(options: ServeOptions): Promise<RunningViewer> {
  const env = options.env ?? process.env;
  const section = options.config === undefined ? undefined : await loadViewerConfig(options.config, { env });
  const auth = resolveViewerAuth(section, env);
  checkExposure(options.host, auth, "--host");
  const store = await openReportStore(options);
  try {
    const app = createViewerApp({ store, auth, logger: options.logger ?? silentLogger });
    const server = await startViewerServer(app, { host: options.host, port: options.port });
    return {
      url: server.url,
      store,
      login: loginText(auth),
      close: async () => {
        await server.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Prints a password hash (--hash-password), or serves the viewer until SIGINT or SIGTERM. */
export async function serveAction(flags: ServeFlags): Promise<ExitCode> {
  if (flags.hashPassword) {
    process.stdout.write(`${await hashPassword(await readNewPassword())}\n`);
    return EXIT.success;
  }
  const logger = createLogger({ level: flags.logLevel ?? "info", pretty: process.stderr.isTTY === true });
  const viewer = await startServe({
    host: flags.host,
    port: flags.port,
    logger,
    ...(flags.config === undefined ? {} : { config: flags.config }),
    ...(flags.store === undefined ? {} : { store: flags.store }),
  });
  process.stdout.write(`Report viewer on ${viewer.url}\n  store: ${viewer.store.location}\n  login: ${viewer.login}\n  Ctrl-C to stop\n`);
  const signal = await untilSignal();
  await viewer.close();
  process.stdout.write(`Report viewer stopped (${signal})\n`);
  return EXIT.success;
}
