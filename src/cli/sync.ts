// `phonebook-sync sync`: one run of the configured jobs, with a progress bar and a summary.
import path from "node:path";
import { Command, Option } from "commander";
import { loadConfig } from "../config/index.js";
import { createLogger } from "../logger.js";
import { action } from "./exit.js";
import { createProgressRenderer } from "./progress.js";
import { abortOnSignals } from "./signals.js";
import { exitCodeOf } from "./summary.js";
import { runSync } from "./sync-runner.js";

interface SyncFlags {
  config: string;
  job?: string[];
  dryRun?: boolean;
  plain?: boolean;
  logLevel?: string;
}

export function syncCommand(): Command {
  return new Command("sync")
    .description("Sync the configured jobs once: read the source, map, push to the PBX, record a report.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("-j, --job <name...>", "run only these jobs (default: all)")
    .option("--dry-run", "read and map everything, send nothing, record nothing")
    .option("--plain", "plain progress lines instead of a progress bar")
    .addOption(new Option("--log-level <level>", "log level of the JSON log on stderr").choices(["error", "warn", "info", "debug", "trace", "silent"]))
    .addHelpText(
      "after",
      `
Exit codes: 0 success, 1 failed run, 2 bad configuration or usage, 3 partial (some contacts failed or
were rejected), 4 aborted by a safety guard.

Examples:
  VOISPEED_TOKEN=... phonebook-sync sync --config /etc/phonebook-sync/config.yaml
  phonebook-sync sync --config config.yaml --job crm --dry-run`,
    )
    .action(
      action(async (flags: SyncFlags) => {
        const config = await loadConfig(flags.config);
        // On a terminal the progress bar speaks; the JSON log keeps to warnings unless asked.
        const level = flags.logLevel ?? (process.stderr.isTTY ? "warn" : config.log.level);
        const logger = createLogger({ level });
        const interrupt = abortOnSignals();
        try {
          const summaries = await runSync(config, {
            ...(flags.job ? { jobs: flags.job } : {}),
            ...(flags.dryRun ? { dryRun: true } : {}),
            logger,
            signal: interrupt.signal,
            progress: () => createProgressRenderer({ plain: flags.plain === true }),
            reportHint: (runId) => `phonebook-sync reports show ${runId} --config ${path.relative(process.cwd(), config.file) || config.file}`,
          });
          return exitCodeOf(summaries);
        } finally {
          interrupt.dispose();
        }
      }),
    );
}
