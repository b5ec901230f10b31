// Shared by the commands that run jobs: pick jobs by name, prepare them all before any work, open store and PBX.
import { SyncError, toSyncError, type ErrorCode } from "../errors.js";
import type { AppConfig, JobConfig } from "../config/index.js";
import type { Logger } from "../logger.js";
import { compileMapping, loadMapping } from "../mapping/index.js";
import { prepareJob } from "../sync/run-job.js";

/** The jobs named with --job (all when none), or a JOB_NOT_FOUND error listing the known ones. */
export function selectJobs(config: AppConfig, names: readonly string[] | undefined): JobConfig[] {
  if (!names || names.length === 0) return config.jobs;
  const known = new Map(config.jobs.map((job) => [job.name, job]));
  const missing = names.filter((name) => !known.has(name));
  if (missing.length > 0) {
    throw new SyncError("JOB_NOT_FOUND", `no job named ${missing.map((n) => `"${n}"`).join(", ")} in ${config.file}`, {
      hint: `Known jobs: ${[...known.keys()].join(", ")}.`,
    });
  }
  return names.map((name) => known.get(name) as JobConfig);
}

/**
 * Checks every selected job's mapping (against its source's columns when the source answers); throws one
 * error listing every problem, so that bad configuration stops before any run starts. A source that does
 * not answer is not a configuration problem: its run fails and is recorded, as a nightly run must be.
 */
export async function prepareAll(config: AppConfig, jobs: readonly JobConfig[], logger: Logger): Promise<void> {
  const problems: string[] = [];
  for (const job of jobs) {
    try {
      await prepareJob(config, job, logger);
    } catch (err) {
      const error = toSyncError(err);
      if (!USAGE.has(error.code)) {
        // The source did not answer; still make sure the mapping itself compiles.
        try {
          compileMapping(await loadMapping(job.mapping), { appName: job.appName });
        } catch (mappingErr) {
          const mappingError = toSyncError(mappingErr);
          problems.push(`job "${job.name}": ${mappingError.code}: ${mappingError.message}`);
        }
        continue;
      }
      problems.push(`job "${job.name}": ${error.code}: ${error.message}`);
    }
  }
  if (problems.length === 0) return;
  const message = problems.length === 1 ? (problems[0] as string) : `${problems.length} jobs cannot run:\n  - ${problems.join("\n  - ")}`;
  throw new SyncError("CONFIG_INVALID", message, { hint: "Fix the mapping or configuration named above." });
}

const USAGE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["MAPPING_INVALID", "CONFIG_INVALID", "CONFIG_ENV_MISSING"]);
