// `phonebook-sync sync`: one run of the configured jobs, with a progress bar and a summary.
import { Command, Option } from "commander";
import { LOG_LEVELS } from "../config/log-levels.js";
import { action } from "./exit.js";

/** The flags as commander hands them over. */
export interface SyncFlags {
  config: string;
  job?: string[];
  dryRun?: boolean;
  record?: boolean;
  full?: boolean;
  allowMassDelete?: boolean;
  format: "text" | "json";
  plain?: boolean;
  logLevel?: string;
}

export function syncCommand(): Command {
  return new Command("sync")
    .description("Sync the configured jobs once: read the source, map, push to the PBX, record a report.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("-j, --job <name...>", "run only these jobs (default: all)")
    .option("--dry-run", "plan only: classify every contact against the stored state, send nothing, record nothing")
    .option("--record", "with --dry-run: keep the plan in the store as a dry run, for reports show and the viewer (still nothing sent)")
    .addOption(new Option("--format <format>", "how --dry-run prints its plan: the first contacts of each class, or all as JSON Lines").choices(["text", "json"]).default("text"))
    .option("--full", "push every contact, whatever the stored state says (after a PBX restore, say)")
    .option("--allow-mass-delete", "let this run delete more than maxDeleteRatio allows (never past a failed read)")
    .option("--plain", "plain progress lines instead of a progress bar")
    .addOption(new Option("--log-level <level>", "log level of the JSON log on stderr").choices(LOG_LEVELS))
    .addHelpText(
      "after",
      `
Exit codes: 0 success, 1 failed run (the PBX or the source did not answer, a wrong token), 2 bad
configuration or usage, 3 partial (some contacts failed or were rejected), 4 aborted by a safety guard,
130 / 143 interrupted by SIGINT / SIGTERM (the run is recorded "aborted").

Before reading, each run asks the PBX a cheap question (get_phonebook) to prove it is reachable and takes the
token. Ctrl-C once: reading stops, the batches in flight finish, the run is recorded; twice: the requests in
flight are cancelled too.

Each run pushes only the contacts that are new or changed since the PBX last confirmed them, and deletes
(delete_phonebook) the ones that vanished from the source, unless a guard stops it: a failed or cut read,
unreadable records, an empty source, more deletions than maxDeletes or maxDeleteRatio allow.

Examples:
  VOISPEED_TOKEN=... phonebook-sync sync --config /etc/phonebook-sync/config.yaml
  phonebook-sync sync --config config.yaml --job crm --dry-run
  phonebook-sync sync --config config.yaml --dry-run --format json > plan.jsonl
  phonebook-sync sync --config config.yaml --dry-run --record   (then: phonebook-sync serve --config config.yaml)`,
    )
    // The work, and the modules it needs, load only when the command runs: --help stays quick.
    .action(action(async (flags: SyncFlags) => (await import("./sync-action.js")).syncAction(flags)));
}
