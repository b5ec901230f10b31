// `phonebook-sync sync`: one run of the configured jobs, with a progress bar and a summary.
import { SyncError } from "../errors.js";
import { noProgress } from "../sync/progress.js";
import { jsonPlan, textPlan } from "./plan-output.js";
import { Command, Option } from "commander";
import { LOG_LEVELS, loadConfig } from "../config/index.js";
import { createLogger } from "../logger.js";
import { displayPath } from "./display-path.js";
import { action } from "./exit.js";
import { createProgressRenderer } from "./progress.js";
import { abortOnSignals, exitCodeForSignal } from "./signals.js";
import { exitCodeOf } from "./summary.js";
import { runSync } from "./sync-runner.js";

interface SyncFlags {
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
    .action(
      action(async (flags: SyncFlags) => {
        const config = await loadConfig(flags.config);
        // On a terminal the progress bar speaks; the JSON log keeps to warnings unless asked.
        const level = flags.logLevel ?? (process.stderr.isTTY ? "warn" : config.log.level);
        const logger = createLogger({ level });
        if (flags.record && !flags.dryRun) throw new SyncError("USAGE", "--record goes with --dry-run: a real run is always recorded");
        if (flags.format === "json" && !flags.dryRun) throw new SyncError("USAGE", "--format json goes with --dry-run: a real run prints a summary and records its report");
        const json = flags.format === "json";
        const interrupt = abortOnSignals();
        try {
          const summaries = await runSync(config, {
            ...(flags.job ? { jobs: flags.job } : {}),
            ...(flags.dryRun ? { dryRun: true, ...(flags.record ? { record: true } : {}), plan: (job: string) => (json ? jsonPlan(process.stdout, job) : textPlan(process.stdout)) } : {}),
            ...(json ? { summaries: false } : {}),
            ...(flags.full ? { full: true } : {}),
            ...(flags.allowMassDelete ? { allowMassDelete: true } : {}),
            logger,
            signal: interrupt.signal,
            cancel: interrupt.cancel,
            progress: () => (json ? noProgress : createProgressRenderer({ plain: flags.plain === true })),
            reportHint: (runId) => `phonebook-sync reports show ${runId} --config ${displayPath(config.file)}`,
          });
          // Interrupted: the shells' code for the signal, once the runs are on record.
          if (interrupt.received) return exitCodeForSignal(interrupt.received);
          return exitCodeOf(summaries);
        } finally {
          interrupt.dispose();
        }
      }),
    );
}
