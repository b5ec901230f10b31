// Runs the selected jobs of a configuration once: the work behind `sync` and `demo`, callable from tests.
import type { AppConfig } from "../config/index.js";
import { createLogger, type Logger } from "../logger.js";
import { openStore, type JobLock, type Store } from "../store/index.js";
import { openPbx } from "../sync/pbx-session.js";
import { runJob, type RunSummary, type Trigger } from "../sync/run-job.js";
import type { ProgressSink } from "../sync/progress.js";
import { prepareAll, selectJobs } from "./jobs.js";
import type { PlanPrinter } from "./plan-output.js";
import { renderSummary } from "./summary.js";

export interface SyncRunOptions {
  jobs?: readonly string[];
  dryRun?: boolean;
  /** A dry run's plan, per job; its `finish` prints after the job's summary. */
  plan?: (job: string) => PlanPrinter;
  /** false: no text summary (the JSON plan is the whole output). */
  summaries?: boolean;
  full?: boolean;
  allowMassDelete?: boolean;
  trigger?: Trigger;
  logger?: Logger;
  out?: NodeJS.WritableStream;
  progress?: (job: string) => ProgressSink;
  /** How to show a run's report, e.g. "phonebook-sync reports show 3 --config x.yaml". */
  reportHint?: (runId: number) => string;
  signal?: AbortSignal;
}

/**
 * Runs `work` holding the job's lock, so two runs of one job never overlap, also from two processes; a run
 * left `running` by a process that died is marked aborted first. A dry run writes nothing and takes no lock.
 */
async function withJobLock<T>(
  store: Store,
  job: string,
  dryRun: boolean,
  logger: Logger,
  work: (lock: JobLock | null, lost: AbortSignal) => Promise<T>,
): Promise<T> {
  const lost = new AbortController();
  if (dryRun) return work(null, lost.signal);
  // A run whose lock was taken over (it stalled past the stale limit) stops: two writers must never share a job.
  const lock = await store.acquireJobLock(job, { logger, onLost: (message) => lost.abort(new Error(message)) });
  try {
    const aborted = await store.abortInterruptedRuns(job);
    if (aborted.length > 0) logger.warn({ job, runs: aborted }, "marked runs interrupted by a crash or kill as aborted");
    return await work(lock, lost.signal);
  } finally {
    await lock.release();
  }
}

export async function runSync(config: AppConfig, options: SyncRunOptions = {}): Promise<RunSummary[]> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const out = options.out ?? process.stdout;
  const jobs = selectJobs(config, options.jobs);
  await prepareAll(config, jobs, logger);
  const store = await openStore(config.store, { logger, baseDir: config.baseDir });
  try {
    const pbx = await openPbx(config.pbx, logger);
    try {
      const summaries: RunSummary[] = [];
      for (const job of jobs) {
        const plan = options.dryRun ? options.plan?.(job.name) : undefined;
        const summary = await withJobLock(store, job.name, options.dryRun === true, logger, (lock, lost) =>
          runJob({
          config,
          job,
          store,
          client: pbx.client,
          pbxLabel: pbx.label,
          trigger: options.trigger ?? "cli",
          logger,
          ...(options.dryRun ? { dryRun: true } : {}),
          ...(plan ? { plan } : {}),
          ...(options.full ? { full: true } : {}),
          ...(options.allowMassDelete ? { allowMassDelete: true } : {}),
          ...(options.progress ? { progress: options.progress(job.name) } : {}),
          signal: options.signal ? AbortSignal.any([options.signal, lost]) : lost,
          ...(lock ? { onRunCreated: (runId: number) => lock.setRunId(runId) } : {}),
        }),
        );
        summaries.push(summary);
        const reportHint = summary.runId !== null && options.reportHint ? options.reportHint(summary.runId) : undefined;
        if (options.summaries !== false) out.write(renderSummary(summary, { appName: job.appName, pbx: pbx.label, ...(reportHint ? { reportHint } : {}) }));
        plan?.finish(summary);
      }
      return summaries;
    } finally {
      await pbx.close();
    }
  } finally {
    await store.close();
  }
}
