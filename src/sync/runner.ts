// The one run path of the CLI, the demo and the daemon: a job's run under its lock, on an open store and PBX.
import type { AppConfig, JobConfig } from "../config/index.js";
import { toSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { FinishRunInput, Store } from "../store/index.js";
import { linkSignals } from "../linked-signal.js";
import type { PbxSession } from "./pbx-session.js";
import type { PlanSink } from "./plan.js";
import type { ProgressSink } from "./progress.js";
import { runJob, type RunSummary, type Trigger } from "./run-job.js";

export interface RunRequest {
  job: JobConfig;
  trigger: Trigger;
  dryRun?: boolean;
  /** With dryRun: record the plan as a dry run in the store. */
  record?: boolean;
  plan?: PlanSink;
  full?: boolean;
  fullReason?: string;
  allowMassDelete?: boolean;
  scheduledFor?: string;
  progress?: ProgressSink;
  /** Stop reading and let the batches in flight finish. */
  signal?: AbortSignal;
  /** Cancel the PBX requests in flight too. */
  cancel?: AbortSignal;
}

/**
 * Runs jobs on a store and a PBX that the caller opened and closes: the CLI for one command, the daemon for its
 * lifetime. Ends the runs the store could not record once it answers again, before the job's next run.
 */
export class JobRunner {
  /** Runs whose end the store did not take, by run id: written before the next run, or by flushUnrecorded(). */
  private readonly unrecorded = new Map<number, FinishRunInput>();

  constructor(
    private config: AppConfig,
    readonly store: Store,
    readonly pbx: PbxSession,
    private readonly logger: Logger,
  ) {}

  /** A reloaded configuration: the next runs use it (store and PBX stay as opened). */
  setConfig(config: AppConfig): void {
    this.config = config;
  }

  get pendingRecords(): number {
    return this.unrecorded.size;
  }

  /**
   * One run of the job under its lock (a dry run takes none). Throws JOB_LOCKED while another process runs the
   * job, RUN_CLAIMED when another daemon took the schedule slot, STORE_FAILED when the store cannot put the run
   * on record at all; otherwise the run's summary, whatever happened in it.
   */
  async run(request: RunRequest): Promise<RunSummary> {
    await this.flushUnrecorded();
    if (request.dryRun) return runJob(this.options(request, undefined));
    const lost = new AbortController();
    const lock = await this.store.acquireJobLock(request.job.name, { logger: this.logger, onLost: (message) => lost.abort(new Error(message)) });
    try {
      const aborted = await this.store.abortInterruptedRuns(request.job.name);
      if (aborted.length > 0) this.logger.warn({ job: request.job.name, runs: aborted }, "marked runs interrupted by a crash or kill as aborted");
      const linked = linkSignals([request.signal, lost.signal]);
      try {
        return await runJob({ ...this.options(request, linked.signal), onRunCreated: (runId) => lock.setRunId(runId) });
      } finally {
        linked.dispose();
      }
    } finally {
      // A release that fails (the store is away) leaves a row this process takes over at its next acquisition.
      await lock.release().catch((err: unknown) => this.logger.warn({ job: request.job.name, err: toSyncError(err).toJSON() }, "cannot release the job lock"));
    }
  }

  /** Writes the ends of runs the store did not take before; returns how many are still pending. */
  async flushUnrecorded(): Promise<number> {
    for (const [runId, result] of [...this.unrecorded]) {
      try {
        await this.store.finishRun(runId, result);
        this.unrecorded.delete(runId);
        this.logger.info({ runId, status: result.status }, "recorded the end of a run the store had missed");
      } catch {
        break;
      }
    }
    return this.unrecorded.size;
  }

  private options(request: RunRequest, signal: AbortSignal | undefined): Parameters<typeof runJob>[0] {
    return {
      config: this.config,
      job: request.job,
      store: this.store,
      client: this.pbx.client,
      pbxLabel: this.pbx.label,
      trigger: request.trigger,
      logger: this.logger,
      onUnrecorded: (runId, result) => this.unrecorded.set(runId, result),
      ...(request.dryRun ? { dryRun: true, ...(request.record ? { record: true } : {}) } : {}),
      ...(request.plan ? { plan: request.plan } : {}),
      ...(request.full ? { full: true, ...(request.fullReason ? { fullReason: request.fullReason } : {}) } : {}),
      ...(request.allowMassDelete ? { allowMassDelete: true } : {}),
      ...(request.scheduledFor !== undefined ? { scheduledFor: request.scheduledFor } : {}),
      ...(request.progress ? { progress: request.progress } : {}),
      ...(signal ? { signal } : {}),
      ...(request.cancel ? { cancel: request.cancel } : {}),
    };
  }
}

export type { RunSummary };
