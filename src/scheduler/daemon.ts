// The daemon: every scheduled job on its cron in its time zone, on one store and one PBX client kept open for its lifetime.
import { createTask, setLogger, type ScheduledTask } from "node-cron";
import { loadConfig, type AppConfig, type DaemonConfig, type JobConfig } from "../config/index.js";
import { toSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { compileMapping, loadMapping } from "../mapping/index.js";
import { openStore, type SqlStore } from "../store/index.js";
import { Interruption } from "../sync/interruption.js";
import { openPbx, type PbxSession } from "../sync/pbx-session.js";
import { LiveRunBoard } from "../web/live.js";
import { LiveJobRunner } from "../web/live-runner.js";
import { startDaemonHttp, type DaemonHttp, type HealthReport } from "./http-server.js";
import { JobRuns, type JobRunsContext } from "./job-runs.js";
import { DaemonMetrics } from "./metrics.js";
import type { FinishedStatus } from "./notice.js";
import { Notifier } from "./notifier.js";
import { missedSlot, slotKey } from "./timing.js";

/** How often the ends of runs the store missed are tried again while the daemon idles. */
const UNRECORDED_RETRY_MS = 30_000;
/** After the shutdown timeout, how long cancelled runs get to record themselves. */
const CANCEL_GRACE_MS = 10_000;

export class Daemon {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly stopController = new AbortController();
  private readonly cancelController = new AbortController();
  private readonly runs: JobRuns;
  private readonly ctx: JobRunsContext;
  private readonly flushTimer: NodeJS.Timeout;
  private http: DaemonHttp | null = null;
  private closing: Promise<void> | null = null;
  /** The runs in progress, for the report viewer's live view. */
  readonly live = new LiveRunBoard();

  private constructor(
    private config: AppConfig,
    private readonly store: SqlStore,
    private readonly pbx: PbxSession,
    readonly metrics: DaemonMetrics,
    private readonly logger: Logger,
  ) {
    const runner = new LiveJobRunner(config, store, pbx, logger, this.live);
    this.ctx = {
      runner,
      store,
      metrics,
      notifier: this.notifierFor(config),
      logger,
      configFile: config.file,
      nextRun: (job) => this.tasks.get(job)?.getNextRun() ?? undefined,
      signal: this.stopController.signal,
      cancel: this.cancelController.signal,
    };
    this.runs = new JobRuns(this.ctx);
    this.flushTimer = setInterval(() => {
      runner.flushUnrecorded().catch(() => undefined);
    }, UNRECORDED_RETRY_MS);
    this.flushTimer.unref();
  }

  /** Opens the store and the PBX, serves health and metrics, schedules every job, catches up what was missed. */
  static async start(config: AppConfig, logger: Logger): Promise<Daemon> {
    routeCronLogs(logger);
    const store = await openStore(config.store, { logger, baseDir: config.baseDir });
    let pbx: PbxSession | undefined;
    let daemon: Daemon | undefined;
    try {
      pbx = await openPbx(config.pbx, logger);
      const started = new Daemon(config, store, pbx, new DaemonMetrics(), logger);
      daemon = started;
      const http: DaemonConfig["http"] = config.daemon.http;
      if (http) {
        // The viewer (hono and its pages) loads only when daemon.http.viewer asks for it.
        const viewer = http.viewer ? await (await import("../web/daemon-mount.js")).daemonViewer({ configFile: config.file, host: http.host, store, live: started.live, logger }) : undefined;
        started.http = await startDaemonHttp({ port: http.port, host: http.host, metrics: started.metrics, health: () => started.health(), logger, viewer });
      }
      const scheduled = await daemon.applyJobs(config);
      daemon.metrics.setUp(true);
      logger.info({ jobs: scheduled, pbx: pbx.label, store: store.location, http: daemon.http?.url ?? null }, "daemon started");
      await daemon.startupRuns(config);
      return daemon;
    } catch (err) {
      if (daemon) clearInterval(daemon.flushTimer);
      for (const name of [...(daemon?.tasks.keys() ?? [])]) daemon?.unschedule(name);
      await daemon?.http?.close().catch(() => undefined);
      await pbx?.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  get httpUrl(): string | null {
    return this.http?.url ?? null;
  }

  /**
   * Reads the configuration file again. An invalid one changes nothing: every problem is logged and the old
   * schedule keeps running. Store, PBX and HTTP settings take effect at the next start.
   */
  async reload(): Promise<boolean> {
    if (this.closing) return false;
    let next: AppConfig;
    try {
      next = await loadConfig(this.config.file, { warn: (message) => this.logger.warn({ config: this.config.file }, message) });
    } catch (err) {
      const error = toSyncError(err);
      this.logger.error({ err: error.toJSON() }, `configuration not reloaded, the old one keeps running: ${error.message}`);
      return false;
    }
    for (const key of ["store", "pbx", "daemon"] as const) {
      if (JSON.stringify(next[key]) !== JSON.stringify(this.config[key])) this.logger.warn({ section: key }, `the ${key} settings changed: they take effect when the daemon restarts`);
    }
    for (const name of this.tasks.keys()) {
      if (next.jobs.some((job) => job.name === name)) continue;
      this.unschedule(name);
      this.runs.removeJob(name);
      this.metrics.forgetJob(name);
    }
    const keep = { store: this.config.store, pbx: this.config.pbx, daemon: this.config.daemon };
    this.config = { ...next, ...keep };
    this.ctx.runner.setConfig(this.config);
    this.ctx.notifier = this.notifierFor(this.config);
    const scheduled = await this.applyJobs(this.config);
    this.logger.info({ jobs: scheduled }, "configuration reloaded");
    return true;
  }

  /**
   * Stops scheduling, lets the runs in flight finish their batches (they end `aborted` with the reason) within
   * the shutdown timeout, then cancels what is left; releases the locks and closes everything. Never throws.
   */
  shutdown(reason: string): Promise<void> {
    this.closing ??= this.close(reason);
    return this.closing;
  }

  /** Cancels the PBX requests in flight at once (a second signal). */
  cancelNow(reason: string): void {
    if (!this.cancelController.signal.aborted) this.cancelController.abort(new Interruption(reason));
  }

  private async close(reason: string): Promise<void> {
    this.logger.info({ reason, running: this.runs.running }, "daemon stopping");
    for (const name of [...this.tasks.keys()]) this.unschedule(name);
    this.stopController.abort(new Interruption(`interrupted: daemon shutting down (${reason})`));
    if (!(await this.runs.stop(this.config.daemon.shutdownTimeoutMs))) {
      this.logger.warn({ timeoutMs: this.config.daemon.shutdownTimeoutMs }, "runs still going after the shutdown timeout: cancelling their requests");
      this.cancelNow(`interrupted: daemon shutting down (${reason}), past the shutdown timeout`);
      await this.runs.stop(CANCEL_GRACE_MS);
    }
    clearInterval(this.flushTimer);
    const pending = await this.ctx.runner.flushUnrecorded().catch(() => this.ctx.runner.pendingRecords);
    if (pending > 0) this.logger.error({ runs: pending }, "the store did not take the end of some runs: the next run of each job marks them aborted");
    this.metrics.setUp(false);
    await this.http?.close().catch((err: unknown) => this.logger.warn({ err: toSyncError(err).toJSON() }, "cannot close the HTTP server"));
    await this.pbx.close().catch(() => undefined);
    await this.store.close().catch((err: unknown) => this.logger.warn({ err: toSyncError(err).toJSON() }, "cannot close the store"));
    this.logger.info("daemon stopped");
  }

  private notifierFor(config: AppConfig): Notifier {
    return new Notifier(config.notifications, { logger: this.logger, baseDir: config.baseDir, onFailure: (channel) => this.metrics.notificationFailed(channel) });
  }

  /** Schedules (or re-schedules) every job; a job whose mapping is broken is scheduled all the same, its runs fail on record. */
  private async applyJobs(config: AppConfig): Promise<string[]> {
    const scheduled: string[] = [];
    for (const job of config.jobs) {
      this.runs.setJob(job, await this.lastStatus(job.name));
      await this.checkMapping(job);
      this.unschedule(job.name);
      if (!job.schedule) {
        this.logger.info({ job: job.name }, "job has no schedule: the daemon does not run it (set schedule, or defaults.schedule)");
        continue;
      }
      this.schedule(job, job.schedule);
      scheduled.push(job.name);
    }
    return scheduled;
  }

  private schedule(job: JobConfig, expression: string): void {
    const task = createTask(
      expression,
      (context) => {
        const slot = new Date(Math.floor(context.date.getTime() / 1000) * 1000);
        this.runs.fire(job.name, { trigger: "schedule", slot, windowFrom: slot, slotKey: slotKey(slot), attempt: 0 });
        this.metrics.setNextRun(job.name, task.getNextRun());
      },
      { timezone: job.timezone, name: `phonebook-sync:${job.name}` },
    );
    this.tasks.set(job.name, task);
    Promise.resolve(task.start())
      .then(() => this.metrics.setNextRun(job.name, task.getNextRun()))
      .catch((err: unknown) => this.logger.error({ job: job.name, err: toSyncError(err).toJSON() }, "cannot start the job's schedule"));
  }

  private unschedule(name: string): void {
    const task = this.tasks.get(name);
    if (!task) return;
    this.tasks.delete(name);
    void Promise.resolve(task.destroy()).catch(() => undefined);
    this.metrics.setNextRun(name, null);
  }

  /** On start: runOnStart jobs run once; catchUp jobs run once when their last complete run missed a slot. */
  private async startupRuns(config: AppConfig): Promise<void> {
    for (const job of config.jobs) {
      if (job.runOnStart) {
        this.runs.fire(job.name, { trigger: "start", slot: new Date(), windowFrom: new Date(), slotKey: undefined, attempt: 0 });
        continue;
      }
      if (!job.schedule || !job.catchUp) continue;
      try {
        const lastComplete = await this.store.lastRun(job.name, { statuses: ["success", "partial"] });
        const slot = missedSlot(job, lastComplete);
        if (!slot) continue;
        this.logger.info({ job: job.name, missed: slot.toISOString(), lastComplete: lastComplete?.id ?? null }, "catching up a missed run");
        this.runs.fire(job.name, { trigger: "catch-up", slot, windowFrom: new Date(), slotKey: slotKey(slot, "+catch-up"), attempt: 0 });
      } catch (err) {
        this.logger.error({ job: job.name, err: toSyncError(err).toJSON() }, "cannot tell whether a run was missed; the next regular run goes ahead");
      }
    }
  }

  private async lastStatus(job: string): Promise<FinishedStatus | null> {
    try {
      const run = await this.store.lastRun(job, { statuses: ["success", "partial", "failed", "aborted"] });
      if (!run || run.status === "running") return null;
      this.metrics.restoreLastRun(job, { status: run.status, endedAt: run.endedAt ?? run.startedAt, lastSuccessAt: (await this.store.lastRun(job, { statuses: ["success"] }))?.endedAt ?? null });
      return run.status;
    } catch (err) {
      this.logger.warn({ job, err: toSyncError(err).toJSON() }, "cannot read the job's last run");
      return null;
    }
  }

  private async checkMapping(job: JobConfig): Promise<void> {
    try {
      compileMapping(await loadMapping(job.mapping), { appName: job.appName });
    } catch (err) {
      const error = toSyncError(err);
      this.logger.error({ job: job.name, err: error.toJSON() }, `job ${job.name} cannot run until its mapping is fixed (then send SIGHUP): ${error.message}`);
    }
  }

  private async health(): Promise<HealthReport> {
    const checks: HealthReport["checks"] = {};
    checks["scheduler"] = this.closing ? { ok: false, detail: "shutting down" } : { ok: true, detail: `${this.tasks.size} jobs scheduled, ${this.runs.running} running` };
    try {
      await this.store.ping();
      const pending = this.ctx.runner.pendingRecords;
      checks["store"] = { ok: true, detail: pending > 0 ? `${pending} run ends waiting to be written` : this.store.location };
    } catch (err) {
      checks["store"] = { ok: false, detail: toSyncError(err).message };
    }
    return { ok: Object.values(checks).every((check) => check.ok), checks };
  }
}

/** node-cron's own warnings (a missed execution when the event loop was blocked) go to our log, not the console. */
function routeCronLogs(logger: Logger): void {
  const cron = logger.child({ component: "node-cron" });
  setLogger({
    info: (message) => cron.debug(message),
    warn: (message) => cron.warn(message),
    error: (message) => cron.error(message instanceof Error ? { err: message.message } : {}, String(message)),
    debug: (message) => cron.debug(message instanceof Error ? message.message : message),
  });
}
