// The work behind `phonebook-sync jobs`, loaded only when it runs: --help and --version never load it.
import { existsSync } from "node:fs";
import { formatInZone, loadConfig, nextRuns, type AppConfig, type JobConfig } from "../config/index.js";
import { toSyncError } from "../errors.js";
import { silentLogger } from "../logger.js";
import { openStore, type RunRow, type Store } from "../store/index.js";
import { EXIT, type ExitCode } from "./exit.js";
import { RECENT_RUNS } from "./jobs-list.js";
import { formatLocalTime, renderTable, type TableColumn } from "./table.js";

export interface JobsListOptions {
  config: string;
  json?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Widest table line; default the terminal's width. */
  width?: number | null;
}

/** One job as `jobs --json` prints it. */
export interface JobStatus {
  name: string;
  appName: string;
  source: string;
  schedule: string | null;
  timezone: string;
  /** ISO time of the next scheduled run, or null when the job has no schedule. */
  nextRun: string | null;
  /** The same in the job's time zone: "2026-12-03 02:00 (Europe/Rome)". */
  nextRunLocal: string | null;
  catchUp: boolean;
  runOnStart: boolean;
  /** The newest run of the job, or null when it never ran (or the store could not be read). */
  lastRun: { id: number; status: string; dryRun: boolean; trigger: string; startedAt: string; endedAt: string | null } | null;
  /** The newest successful (not dry) run among the last 20, or null. */
  lastSuccess: { id: number; endedAt: string | null } | null;
}

interface History {
  runs: RunRow[] | undefined;
}

function nextRunOf(job: JobConfig): Date | undefined {
  return job.schedule === undefined ? undefined : nextRuns(job.schedule, job.timezone, 1)[0];
}

function lastSuccessOf(runs: readonly RunRow[]): RunRow | undefined {
  return runs.find((run) => run.status === "success" && !run.dryRun);
}

function toStatus(job: JobConfig, history: History): JobStatus {
  const next = nextRunOf(job);
  const last = history.runs?.[0];
  const success = history.runs && lastSuccessOf(history.runs);
  return {
    name: job.name,
    appName: job.appName,
    source: job.source.type,
    schedule: job.schedule ?? null,
    timezone: job.timezone,
    nextRun: next?.toISOString() ?? null,
    nextRunLocal: next ? formatInZone(next, job.timezone) : null,
    catchUp: job.catchUp,
    runOnStart: job.runOnStart,
    lastRun: last
      ? { id: last.id, status: last.status, dryRun: last.dryRun, trigger: last.trigger, startedAt: last.startedAt.toISOString(), endedAt: last.endedAt?.toISOString() ?? null }
      : null,
    lastSuccess: success ? { id: success.id, endedAt: success.endedAt?.toISOString() ?? null } : null,
  };
}

/**
 * The store's recent runs per job; undefined runs where there is no store yet. A store that cannot be opened is
 * reported in `problem` and the jobs are still listed.
 */
async function readHistories(config: AppConfig): Promise<{ histories: Map<string, History>; problem?: string }> {
  const histories = new Map<string, History>(config.jobs.map((job) => [job.name, { runs: undefined }]));
  // No sync has written a store yet: nothing to open, and nothing is created.
  if (config.store.client === "sqlite" && !existsSync(config.store.filename)) return { histories };
  let store: Store;
  try {
    store = await openStore(config.store, { baseDir: config.baseDir, mustExist: true, logger: silentLogger });
  } catch (err) {
    const error = toSyncError(err);
    return { histories, problem: `${error.code}: ${error.message}` };
  }
  try {
    for (const job of config.jobs) histories.set(job.name, { runs: await store.listRuns({ job: job.name, limit: RECENT_RUNS }) });
  } finally {
    await store.close();
  }
  return { histories };
}

const COLUMNS: TableColumn[] = [
  { header: "job", maxWidth: 24 },
  { header: "app", maxWidth: 24 },
  { header: "source" },
  { header: "schedule", minWidth: 9 },
  { header: "next run", minWidth: 16 },
  { header: "last run" },
  { header: "status" },
  { header: "ended", minWidth: 19 },
  { header: "last success", minWidth: 19 },
];

function endedCell(run: RunRow): string {
  if (run.endedAt) return formatLocalTime(run.endedAt);
  return run.status === "running" ? `running since ${formatLocalTime(run.startedAt)}` : "";
}

function row(job: JobConfig, history: History, storeProblem: string | undefined): string[] {
  const next = nextRunOf(job);
  const scheduled = [job.schedule ?? "-", next ? formatInZone(next, job.timezone) : "not scheduled"];
  const described = [job.name, job.appName, job.source.type, ...scheduled];
  if (storeProblem !== undefined) return [...described, "unknown", "store unavailable", "", ""];
  const runs = history.runs ?? [];
  const last = runs[0];
  if (!last) return [...described, "never run", "", "", ""];
  const success = lastSuccessOf(runs);
  const successCell = success?.endedAt ? formatLocalTime(success.endedAt) : runs.length >= RECENT_RUNS ? `none in last ${RECENT_RUNS}` : "never";
  return [...described, String(last.id), last.dryRun ? `${last.status} (dry)` : last.status, endedCell(last), successCell];
}

/** Prints the jobs as a table or JSON; exit 1 when the store could not be read (the jobs are listed all the same). */
export async function runJobsList(options: JobsListOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream = process.stderr): Promise<ExitCode> {
  const config = await loadConfig(options.config, options.env === undefined ? {} : { env: options.env });
  const { histories, problem } = await readHistories(config);
  const historyOf = (job: JobConfig): History => histories.get(job.name) ?? { runs: undefined };
  if (options.json) {
    out.write(`${JSON.stringify(config.jobs.map((job) => toStatus(job, historyOf(job))), null, 2)}\n`);
  } else {
    const rows = config.jobs.map((job) => row(job, historyOf(job), problem));
    out.write(renderTable(COLUMNS, rows, options.width === undefined ? {} : { width: options.width }));
  }
  if (problem === undefined) return EXIT.success;
  err.write(`error: cannot read the runs from the store: ${problem}\n`);
  return EXIT.failed;
}
