// A daemon's runs of its jobs: never two of one job at once, and after each run its metrics, notice and retry.
import os from "node:os";
import type { JobConfig } from "../config/index.js";
import { isSyncError, toSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/index.js";
import { emptyCounts } from "../sync/counts.js";
import { isTransient } from "../sync/phases/finish.js";
import type { JobRunner, RunRequest } from "../sync/runner.js";
import type { RunSummary, Trigger } from "../sync/run-job.js";
import type { DaemonMetrics } from "./metrics.js";
import { noticeKind, type FinishedStatus } from "./notice.js";
import type { Notifier } from "./notifier.js";
import { fullReasonOf, retryAt, slotKey } from "./timing.js";

/** What fires a run: the trigger, and the schedule slot it stands for (the claim key across daemons). */
export interface Firing {
  trigger: Trigger;
  /** The slot's time. */
  slot: Date;
  /** Where a duration retryWindow counts from: the slot, or for a catch-up or a start run the time it started. */
  windowFrom: Date;
  /** The key recorded with the run (unique per job): undefined for runs no other daemon would also make. */
  slotKey: string | undefined;
  /** Retries of this slot so far. */
  attempt: number;
}

interface JobState {
  job: JobConfig;
  running: Promise<void> | null;
  retry: NodeJS.Timeout | null;
  lastStatus: FinishedStatus | null;
}

export interface JobRunsContext {
  runner: JobRunner;
  store: Store;
  metrics: DaemonMetrics;
  notifier: Notifier;
  logger: Logger;
  configFile: string;
  /** The job's next regular run, for the "auto" retry window. */
  nextRun(job: string): Date | undefined;
  /** The daemon's stop and cancel signals. */
  signal: AbortSignal;
  cancel: AbortSignal;
}

export class JobRuns {
  private readonly jobs = new Map<string, JobState>();
  /** Every run started and not yet settled, so shutdown can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly ctx: JobRunsContext) {}

  /** Adds or replaces a job (a reload); its last status seeds the change-of-state notices. */
  setJob(job: JobConfig, lastStatus: FinishedStatus | null): void {
    const state = this.jobs.get(job.name);
    if (state) state.job = job;
    else this.jobs.set(job.name, { job, running: null, retry: null, lastStatus });
  }

  /** Forgets a job a reload removed: its pending retry goes; a run in flight finishes. */
  removeJob(name: string): void {
    const state = this.jobs.get(name);
    if (state?.retry) clearTimeout(state.retry);
    this.jobs.delete(name);
  }

  /** Starts a run unless the job is running already (then it is skipped and logged). Never throws. */
  fire(name: string, firing: Firing): void {
    const state = this.jobs.get(name);
    if (!state || this.stopped) return;
    const logger = this.ctx.logger.child({ job: name, trigger: firing.trigger, slot: firing.slotKey ?? null });
    if (state.running) {
      logger.warn("the job's previous run is still going: this run is skipped");
      this.ctx.metrics.runSkipped(name, "overlap");
      return;
    }
    if (state.retry) clearTimeout(state.retry);
    state.retry = null;
    const run = this.execute(state, firing, logger)
      .catch((err: unknown) => logger.error({ err: toSyncError(err).toJSON() }, "run handling failed"))
      .finally(() => {
        state.running = null;
        this.inFlight.delete(run);
      });
    state.running = run;
    this.inFlight.add(run);
  }

  /** Stops firing and retrying; resolves once the runs in flight have settled or `timeoutMs` passed (false then). */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    for (const state of this.jobs.values()) if (state.retry) clearTimeout(state.retry);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.allSettled([...this.inFlight]).then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for every run in flight, however long. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  get running(): number {
    return this.inFlight.size;
  }

  private async execute(state: JobState, firing: Firing, logger: Logger): Promise<void> {
    const { job } = state;
    const started = new Date();
    const fullReason = await this.fullReason(job, logger);
    const request: RunRequest = {
      job,
      trigger: firing.trigger,
      signal: this.ctx.signal,
      cancel: this.ctx.cancel,
      ...(firing.slotKey !== undefined ? { scheduledFor: firing.slotKey } : {}),
      ...(fullReason ? { full: true, fullReason } : {}),
    };
    logger.info({ full: fullReason ?? false }, "run starting");
    let summary: RunSummary;
    try {
      summary = await this.ctx.runner.run(request);
    } catch (err) {
      if (isSyncError(err, "RUN_CLAIMED") || isSyncError(err, "JOB_LOCKED")) {
        logger.info({ reason: err.message }, "another process has this run: skipped");
        this.ctx.metrics.runSkipped(job.name, isSyncError(err, "RUN_CLAIMED") ? "claimed-elsewhere" : "locked");
        return;
      }
      // The store refused to put the run on record at all: still a failed run, for the metrics, the notice, the retry.
      const error = toSyncError(err);
      logger.error({ err: error.toJSON() }, "the run could not start");
      summary = { runId: null, job: job.name, status: "failed", counts: emptyCounts(), error: `${error.code}: ${error.message}`, durationMs: Date.now() - started.getTime(), plan: null, fullReason: null, recordError: null, transient: isTransient(error) };
    }
    await this.after(state, firing, summary, started, logger);
  }

  /** Why this run is full (fullEvery), if it is; a store that cannot tell makes it incremental, the next run decides again. */
  private async fullReason(job: JobConfig, logger: Logger): Promise<string | undefined> {
    if (job.fullEveryMs === undefined) return undefined;
    try {
      return fullReasonOf(job, await this.ctx.store.lastRun(job.name, { full: true, statuses: ["success", "partial"] }));
    } catch (err) {
      logger.warn({ err: toSyncError(err).toJSON() }, "cannot read the last full run; this run is incremental");
      return undefined;
    }
  }

  private async after(state: JobState, firing: Firing, summary: RunSummary, started: Date, logger: Logger): Promise<void> {
    const { job } = state;
    const status = summary.status === "running" ? "failed" : summary.status;
    const endedAt = new Date();
    this.ctx.metrics.observeRun({ job: job.name, trigger: firing.trigger, status, counts: summary.counts, durationMs: summary.durationMs, endedAt });
    // A run cut short by the daemon's own shutdown says nothing about the job: no notice, and the status before stands.
    if (status === "aborted" && this.ctx.signal.aborted) return;
    const kind = noticeKind(state.lastStatus, status);
    if (kind) {
      await this.ctx.notifier.notify({
        kind,
        job: job.name,
        appName: job.appName,
        status,
        previousStatus: state.lastStatus,
        runId: summary.runId,
        trigger: firing.trigger,
        counts: summary.counts,
        error: summary.error,
        startedAt: started,
        endedAt,
        host: os.hostname(),
        reportHint: summary.runId === null ? null : `phonebook-sync reports show ${summary.runId} --config ${this.ctx.configFile}`,
      });
    }
    state.lastStatus = status;
    // An interrupted run (shutdown) is not retried here: the next daemon's catch-up takes it.
    if (status !== "failed" || !summary.transient || this.stopped || this.ctx.signal.aborted) return;
    const at = retryAt(job, firing.attempt + 1, firing.windowFrom, this.ctx.nextRun(job.name));
    if (!at) {
      logger.warn({ retryWindow: job.retryWindow }, "the run failed; no retry fits in the retry window, the next regular run tries again");
      return;
    }
    const attempt = firing.attempt + 1;
    logger.warn({ retryAt: at.toISOString(), attempt }, "the run failed for a passing reason: retrying");
    const retry: Firing = { ...firing, trigger: "retry", slotKey: slotKey(firing.slot, `+retry${attempt}`), attempt };
    state.retry = setTimeout(() => {
      state.retry = null;
      this.fire(job.name, retry);
    }, at.getTime() - Date.now());
  }
}
