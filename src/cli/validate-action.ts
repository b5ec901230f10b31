// The work behind `phonebook-sync validate`, loaded only when it runs: --help and --version never load it.
import { loadConfig } from "../config/index.js";
import { silentLogger } from "../logger.js";
import { getConnector } from "../../connectors/index.js";
import { compileMapping, loadMapping } from "../mapping/index.js";
import { redactUrl } from "../redact.js";
import { SyncError, toSyncError } from "../errors.js";
import { resolveOptions } from "../pbx/options.js";
import { incrementalKeyError } from "../sync/incremental.js";
import { openPbx } from "../sync/pbx-session.js";
import { checkPbx } from "../sync/run-job.js";
import type { AppConfig, JobConfig } from "../config/index.js";
import { EXIT, type ExitCode } from "./exit.js";
import { prepareAll, selectJobs } from "./jobs.js";
import type { ValidateFlags } from "./validate.js";

/** Checks the configuration, its mappings and sources (and with --connect the PBX); prints what it found. */
export async function validateAction(flags: ValidateFlags): Promise<ExitCode> {
  const config = await loadConfig(flags.config);
  const jobs = selectJobs(config, flags.job);
  await checkRunnable(config, jobs);
  const out = process.stdout;
  const sourceProblems: string[] = [];
  out.write(`${config.file}: configuration is valid\n`);
  out.write(`  pbx: ${config.pbx.url === "embedded" ? "embedded emulator" : redactUrl(config.pbx.url)}\n`);
  out.write(`  store: ${config.store.client === "sqlite" ? config.store.filename : `mysql ${config.store.connection.host}/${config.store.connection.database}`}\n`);
  for (const job of jobs) {
    const mapping = compileMapping(await loadMapping(job.mapping), { appName: job.appName });
    out.write(`  job ${job.name}: uc_app_name ${job.appName}, source ${job.source.type}, mapping ${job.mapping}\n`);
    out.write(`    mapping reads: ${mapping.columns.join(", ") || "(no columns)"}\n`);
    try {
      const checked = await getConnector(job.source.type).check(job.source.config, { baseDir: config.baseDir });
      if (checked.columns) out.write(`    source columns: ${checked.columns.join(", ")}\n`);
      for (const found of checked.found ?? []) out.write(`    source ${found}\n`);
      for (const warning of checked.warnings ?? []) out.write(`    warning: ${warning}\n`);
      const keyError = incrementalKeyError(job.name, mapping, checked);
      if (keyError) sourceProblems.push(`${keyError.message} (${keyError.hint ?? ""})`);
    } catch (err) {
      sourceProblems.push(`job ${job.name}: ${(err as Error).message}`);
    }
  }
  if (flags.connect) {
    const problem = await connectPbx(config);
    if (problem === null) out.write(`  pbx: reachable, token accepted\n`);
    else sourceProblems.push(`pbx: ${problem}`);
  }
  if (sourceProblems.length === 0) return EXIT.success;
  process.stderr.write(`problems:\n  - ${sourceProblems.join("\n  - ")}\n`);
  return EXIT.failed;
}

/**
 * What a run would refuse before any work, beyond the configuration's schema: the PBX client's options (its
 * caFile, its URL) and every job's mapping. One CONFIG_INVALID error listing them all (exit 2).
 */
async function checkRunnable(config: AppConfig, jobs: readonly JobConfig[]): Promise<void> {
  const problems: string[] = [];
  try {
    // The embedded emulator's URL is known only once it runs: any loopback URL checks the other options.
    const url = config.pbx.url === "embedded" ? "http://127.0.0.1/" : config.pbx.url;
    resolveOptions({ ...config.pbx, url, ...(config.pbx.caFile ? { caFile: config.pbx.caFile } : {}) });
  } catch (err) {
    const error = toSyncError(err);
    problems.push(`${config.file}: pbx${error.field ? `.${error.field}` : ""}: ${error.message}${error.hint ? ` (${error.hint})` : ""}`);
  }
  try {
    await prepareAll(config, jobs, silentLogger);
  } catch (err) {
    const error = toSyncError(err);
    if (error.code !== "CONFIG_INVALID" || problems.length === 0) throw err;
    problems.push(error.message);
  }
  if (problems.length === 0) return;
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  throw new SyncError("CONFIG_INVALID", `configuration ${config.file} has ${count}:\n  - ${problems.join("\n  - ")}`, {
    file: config.file,
    hint: "Fix the configuration or mapping named above.",
  });
}

/** The run's own PBX check, once, with one try: null when the PBX answered, else what went wrong and the fix. */
async function connectPbx(config: AppConfig): Promise<string | null> {
  const pbx = await openPbx(config.pbx, silentLogger);
  try {
    await checkPbx(pbx.client, { attempts: 1, minDelayMs: 0, maxDelayMs: 0 });
    return null;
  } catch (err) {
    const error = toSyncError(err);
    return `${error.code}: ${error.message} (${error.hint})`;
  } finally {
    await pbx.close();
  }
}
