// `phonebook-sync emulator`: runs the PBX emulator as a server until Ctrl-C or SIGTERM.
import { Command, InvalidArgumentError, Option } from "commander";
import { parseLatency, type Latency } from "../emulator/latency.js";
import { EMULATOR_DEFAULTS } from "../emulator/types.js";
import { SyncError } from "../errors.js";
import { action } from "./exit.js";

/** Used when VOISPEED_TOKEN is not set; fine for loopback only, so it is documented, not printed. */
export const DEFAULT_EMULATOR_TOKEN = "emulator-token";

function wholeNumber(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`use a whole number ${min}..${max}`);
    return value;
  };
}

/** The flags as commander hands them over. */
export interface EmulatorFlags {
  port: number;
  host: string;
  token?: string;
  db?: string;
  maxContacts: number;
  postMaxBytes: number;
  latency?: Latency;
}

/** `--latency 100+0.5`, checked as commander reads it, so that a bad value is a usage error. */
function latencyArgument(raw: string): Latency {
  try {
    return parseLatency(raw);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

export function emulatorCommand(): Command {
  return new Command("emulator")
    .description("Serve a PBX emulator: seri_endpoint.php with phonebook_import_sync and the phonebook services, for trying things out.")
    .option("-p, --port <port>", "TCP port (0 = any free port)", wholeNumber(0, 65_535), 8089)
    .option("--host <address>", "address to listen on (keep it on loopback: there is no TLS)", EMULATOR_DEFAULTS.host)
    // Refused, not removed: whoever still types it learns why and what to do instead.
    .addOption(new Option("-t, --token <token>", "refused: a token on the command line is visible to every user (ps); set VOISPEED_TOKEN").hideHelp())
    .option("--db <file>", "SQLite file that keeps the phonebook between runs (default: in memory)")
    .option("--max-contacts <n>", "most contacts in one phonebook_import_sync request", wholeNumber(1, 1_000_000), EMULATOR_DEFAULTS.maxContactsPerRequest)
    .option("--post-max-bytes <n>", "largest request body, like PHP's post_max_size", wholeNumber(1_024, 2 ** 31), EMULATOR_DEFAULTS.postMaxBytes)
    .option(
      "--latency <ms+ms>",
      "a slow PBX: answer each phonebook_import_sync BASE ms + PER_CONTACT ms per contact after it arrived, e.g. 100+0.5 (default: at once)",
      latencyArgument,
    )
    .addHelpText(
      "after",
      `
The token every request must carry is $VOISPEED_TOKEN, else "${DEFAULT_EMULATOR_TOKEN}".

Try it:
  VOISPEED_TOKEN=demo-token phonebook-sync emulator --port 8089
  curl -F 'contacts=[{"name":"Gustavo","numoffice":"0733 123123","uc_app_name":"HBO","uc_external_id":"contact-1"}]' \\
    'http://127.0.0.1:8089/PBX/seri_endpoint.php?service=phonebook_import_sync&token=demo-token&verbose_output=1'
  curl 'http://127.0.0.1:8089/__emulator/contacts?token=demo-token'  (what is stored, as JSON)

The rules it applies (skips, warnings, limits) are listed in docs/emulator.md.`,
    )
    .action(
      action(async (flags: EmulatorFlags) => {
        if (flags.token !== undefined) throw tokenOnCommandLine();
        // The server, and the modules it needs, load only when the command runs: --help stays quick.
        return (await import("./emulator-action.js")).emulatorAction(flags);
      }),
    );
}

/** The process list is public: a token given as an argument is refused (without repeating it) before anything starts. */
function tokenOnCommandLine(): SyncError {
  return new SyncError("USAGE", "--token is refused: a token on the command line is visible to every user of this machine (ps, /proc)", {
    field: "--token",
    hint: "Set the environment variable instead: VOISPEED_TOKEN=... phonebook-sync emulator --port 8089",
  });
}
