// `phonebook-sync serve`: the report viewer on its own port, reading the store only; `--hash-password` makes a login.
import { Command, InvalidArgumentError, Option } from "commander";
import { LOG_LEVELS } from "../config/index.js";
import { DEFAULT_SQLITE_FILE, type Store } from "../store/index.js";
import { createLogger, silentLogger, type Logger } from "../logger.js";
import { createViewerApp } from "../web/app.js";
import { hashPassword } from "../web/password.js";
import { startViewerServer } from "../web/server.js";
import { VIEWER_ENV, checkExposure, loadViewerConfig, resolveViewerAuth, type ViewerAuth } from "../web/viewer-config.js";
import { action, EXIT } from "./exit.js";
import { readNewPassword } from "./password-prompt.js";
import { openReportStore, type ReportSource } from "./reports.js";

export const SERVE_DEFAULTS = { port: 8090, host: "127.0.0.1" };

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

function portNumber(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65_535) throw new InvalidArgumentError("use a whole number 0..65535 (0: any free port)");
  return value;
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

interface ServeFlags {
  config?: string;
  store?: string;
  port: number;
  host: string;
  hashPassword?: boolean;
  logLevel?: string;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("Serve the report viewer: every run, contact by contact, in a browser. Reads the store only.")
    .option("-c, --config <file>", "configuration file: its store (and viewer logins); the PBX token is not needed")
    .option("--store <file>", `SQLite report file (default ${DEFAULT_SQLITE_FILE})`)
    .option("-p, --port <port>", "TCP port (0: any free port)", portNumber, SERVE_DEFAULTS.port)
    .option("--host <address>", "address to listen on; beyond loopback a login is required", SERVE_DEFAULTS.host)
    .option("--hash-password", "read a password (typed, or piped in) and print the hash for viewer.passwordHash; then exit")
    .addOption(new Option("--log-level <level>", "log level of the log lines on stderr (failed logins, errors)").choices(LOG_LEVELS))
    .addHelpText(
      "after",
      `
Open the printed URL. On 127.0.0.1 (the default) no login is asked. With --host 0.0.0.0 (or any address other
machines reach) the viewer refuses to start without a login, given in the configuration's viewer: section or
the environment:
  viewer.passwordHash / ${VIEWER_ENV.passwordHash}   HTTP Basic login (user: viewer.user, default "admin")
  viewer.token / ${VIEWER_ENV.token}                 Authorization: Bearer <token>, for scripts
Make a hash:   phonebook-sync serve --hash-password
There is no TLS: beyond a trusted network, put it behind a reverse proxy that adds it (docs/viewer.md).

After the demo (npm start):  phonebook-sync serve --store data/phonebook-sync.sqlite`,
    )
    .action(
      action(async (flags: ServeFlags) => {
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
      }),
    );
}
