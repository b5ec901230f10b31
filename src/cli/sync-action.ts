// The work behind `phonebook-sync sync`, loaded only when it runs: --help and --version never load it.
import { SyncError } from "../errors.js";
import { loadConfig } from "../config/index.js";
import { createLogger } from "../logger.js";
import { noProgress } from "../sync/progress.js";
import { displayPath } from "./display-path.js";
import type { ExitCode } from "./exit.js";
import { jsonPlan, textPlan } from "./plan-output.js";
import { createProgressRenderer } from "./progress.js";
import { abortOnSignals, exitCodeForSignal } from "./signals.js";
import { exitCodeOf } from "./summary.js";
import type { SyncFlags } from "./sync.js";
import { runSync } from "./sync-runner.js";

/** One run of the configured jobs as the flags say; the exit code of the worst run, or the signal's. */
export async function syncAction(flags: SyncFlags): Promise<ExitCode> {
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
}
