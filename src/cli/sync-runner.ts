// Runs the selected jobs of a configuration once: the work behind `sync` and `demo`, callable from tests.
import type { AppConfig } from "../config/index.js";
import { createLogger, type Logger } from "../logger.js";
import { openStore } from "../store/index.js";
import { openPbx } from "../sync/pbx-session.js";
import type { ProgressSink } from "../sync/progress.js";
import { JobRunner } from "../sync/runner.js";
import type { RunSummary, Trigger } from "../sync/run-job.js";
import { prepareAll, selectJobs } from "./jobs.js";
import type { PlanPrinter } from "./plan-output.js";
import { renderSummary } from "./summary.js";

export interface SyncRunOptions {
  jobs?: readonly string[];
  dryRun?: boolean;
  /** With dryRun: put the plan on record as a dry run (reports and the viewer show it). */
  record?: boolean;
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
  /** Stop: read no further, finish the batches in flight, record the runs. */
  signal?: AbortSignal;
  /** Cancel the requests in flight too (a second Ctrl-C). */
  cancel?: AbortSignal;
}

/** How long the end of a run the store missed is tried again before the command gives up on it. */
const UNRECORDED_RETRY_MS = [1_000, 2_000, 4_000];

export async function runSync(config: AppConfig, options: SyncRunOptions = {}): Promise<RunSummary[]> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const out = options.out ?? process.stdout;
  const jobs = selectJobs(config, options.jobs);
  await prepareAll(config, jobs, logger);
  const store = await openStore(config.store, { logger, baseDir: config.baseDir });
  try {
    const pbx = await openPbx(config.pbx, logger);
    const runner = new JobRunner(config, store, pbx, logger);
    try {
      const summaries: RunSummary[] = [];
      for (const job of jobs) {
        // After a Ctrl-C the jobs not started yet are not started.
        if (options.signal?.aborted) break;
        const plan = options.dryRun ? options.plan?.(job.name) : undefined;
        const summary = await runner.run({
          job,
          trigger: options.trigger ?? "cli",
          ...(options.dryRun ? { dryRun: true, ...(options.record ? { record: true } : {}) } : {}),
          ...(plan ? { plan } : {}),
          ...(options.full ? { full: true, fullReason: "--full" } : {}),
          ...(options.allowMassDelete ? { allowMassDelete: true } : {}),
          ...(options.progress ? { progress: options.progress(job.name) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.cancel ? { cancel: options.cancel } : {}),
        });
        summaries.push(summary);
        const reportHint = summary.runId !== null && options.reportHint ? options.reportHint(summary.runId) : undefined;
        if (options.summaries !== false) out.write(renderSummary(summary, { appName: job.appName, pbx: pbx.label, ...(reportHint ? { reportHint } : {}) }));
        plan?.finish(summary);
      }
      for (const delay of [0, ...UNRECORDED_RETRY_MS]) {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        if ((await runner.flushUnrecorded()) === 0) break;
      }
      return summaries;
    } finally {
      await pbx.close();
    }
  } finally {
    await store.close();
  }
}
