// `phonebook-sync serve`: the report viewer on its own port, reading the store only; `--hash-password` makes a login.
import { Command, InvalidArgumentError, Option } from "commander";
import { LOG_LEVELS } from "../config/log-levels.js";
import { DEFAULT_SQLITE_FILE } from "../store/types.js";
import { VIEWER_ENV } from "../web/viewer-env.js";
import { action } from "./exit.js";

export const SERVE_DEFAULTS = { port: 8090, host: "127.0.0.1" };

function portNumber(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65_535) throw new InvalidArgumentError("use a whole number 0..65535 (0: any free port)");
  return value;
}

/** The flags as commander hands them over. */
export interface ServeFlags {
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
    // The work, and the modules it needs, load only when the command runs: --help stays quick.
    .action(action(async (flags: ServeFlags) => (await import("./serve-action.js")).serveAction(flags)));
}
