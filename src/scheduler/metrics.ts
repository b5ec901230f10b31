// The daemon's Prometheus metrics: runs, contacts, timings, schedule and health, on a registry of its own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { COUNT_KEYS, type RunCounts } from "../store/types.js";

/** The end states of a run; "running" never reaches the metrics. */
export type FinishedRunStatus = "success" | "partial" | "failed" | "aborted";

export const FINISHED_RUN_STATUSES: readonly FinishedRunStatus[] = ["success", "partial", "failed", "aborted"];

export type NotificationChannel = "webhook" | "email";

export interface ObservedRun {
  job: string;
  /** schedule | catch-up | retry | start | cli */
  trigger: string;
  status: FinishedRunStatus;
  counts: RunCounts;
  durationMs: number;
  endedAt: Date;
}

export interface RestoredRun {
  status: FinishedRunStatus;
  endedAt: Date;
  lastSuccessAt: Date | null;
}

export const METRIC_PREFIX = "phonebook_sync_";

/** From a one-second run on a small CSV to a two-hour run on a large CRM. */
export const RUN_DURATION_BUCKETS: readonly number[] = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 5400, 7200];

/**
 * One daemon's metrics. Each instance has its own Registry, so several daemons in one process (tests) never
 * collide the way they would on prom-client's global registry.
 */
export class DaemonMetrics {
  readonly registry: Registry;
  private readonly runs: Counter<"job" | "status" | "trigger">;
  private readonly contacts: Counter<"job" | "outcome">;
  private readonly recordsRead: Counter<"job">;
  private readonly lastSuccess: Gauge<"job">;
  private readonly lastRun: Gauge<"job">;
  private readonly lastRunStatus: Gauge<"job" | "status">;
  private readonly duration: Histogram<"job">;
  private readonly nextRun: Gauge<"job">;
  private readonly skipped: Counter<"job" | "reason">;
  private readonly notificationsFailed: Counter<"channel">;
  private readonly up: Gauge;

  constructor() {
    this.registry = new Registry();
    const registers = [this.registry];
    // Process metrics keep their standard names (process_*, nodejs_*), which stock dashboards expect.
    collectDefaultMetrics({ register: this.registry });
    const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;
    this.runs = new Counter({
      name: name("runs_total"),
      help: "Finished runs by job, end status and what triggered them.",
      labelNames: ["job", "status", "trigger"],
      registers,
    });
    this.contacts = new Counter({
      name: name("contacts_total"),
      help: "Contacts handled by finished runs, by job and outcome (the run's counts except read).",
      labelNames: ["job", "outcome"],
      registers,
    });
    this.recordsRead = new Counter({
      name: name("records_read_total"),
      help: "Source records read by finished runs.",
      labelNames: ["job"],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: name("last_success_timestamp_seconds"),
      help: "End time of the job's last run with status success (Unix seconds).",
      labelNames: ["job"],
      registers,
    });
    this.lastRun = new Gauge({
      name: name("last_run_timestamp_seconds"),
      help: "End time of the job's last run, whatever its status (Unix seconds).",
      labelNames: ["job"],
      registers,
    });
    this.lastRunStatus = new Gauge({
      name: name("last_run_status"),
      help: "1 for the status of the job's last run, 0 for the other statuses.",
      labelNames: ["job", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: name("run_duration_seconds"),
      help: "Duration of finished runs.",
      labelNames: ["job"],
      buckets: [...RUN_DURATION_BUCKETS],
      registers,
    });
    this.nextRun = new Gauge({
      name: name("next_run_timestamp_seconds"),
      help: "When the job's next scheduled run is due (Unix seconds); absent when none is scheduled.",
      labelNames: ["job"],
      registers,
    });
    this.skipped = new Counter({
      name: name("runs_skipped_total"),
      help: "Runs that were due but did not start, by reason (overlap, claimed-elsewhere, locked, ...).",
      labelNames: ["job", "reason"],
      registers,
    });
    this.notificationsFailed = new Counter({
      name: name("notifications_failed_total"),
      help: "Notices that could not be delivered, by channel.",
      labelNames: ["channel"],
      registers,
    });
    this.up = new Gauge({ name: name("up"), help: "1 while the scheduler runs.", registers });
    // Series that exist from the start give rate() and alerts a zero to compare with.
    for (const channel of ["webhook", "email"] as const) this.notificationsFailed.inc({ channel }, 0);
    this.up.set(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeRun(run: ObservedRun): void {
    const { job } = run;
    this.runs.inc({ job, status: run.status, trigger: run.trigger });
    for (const key of COUNT_KEYS) {
      if (key === "read") continue;
      this.contacts.inc({ job, outcome: key }, countValue(run.counts[key]));
    }
    this.recordsRead.inc({ job }, countValue(run.counts.read));
    this.duration.observe({ job }, Math.max(0, run.durationMs) / 1000);
    this.setLastRun(job, run.status, run.endedAt);
    if (run.status === "success") this.lastSuccess.set({ job }, seconds(run.endedAt));
  }

  /** Seeds the gauges from the store when the daemon starts; counters start at zero as Prometheus expects. */
  restoreLastRun(job: string, run: RestoredRun): void {
    this.setLastRun(job, run.status, run.endedAt);
    if (run.lastSuccessAt) this.lastSuccess.set({ job }, seconds(run.lastSuccessAt));
  }

  setNextRun(job: string, at: Date | null): void {
    if (at === null) this.nextRun.remove({ job });
    else this.nextRun.set({ job }, seconds(at));
  }

  runSkipped(job: string, reason: string): void {
    this.skipped.inc({ job, reason });
  }

  notificationFailed(channel: NotificationChannel): void {
    this.notificationsFailed.inc({ channel });
  }

  /**
   * A job removed by a config reload: its gauges would otherwise claim a state forever (and trip staleness
   * alerts). Counters and the histogram stay: they are history, and Prometheus copes with series that stop.
   */
  forgetJob(job: string): void {
    this.lastSuccess.remove({ job });
    this.lastRun.remove({ job });
    this.nextRun.remove({ job });
    for (const status of FINISHED_RUN_STATUSES) this.lastRunStatus.remove({ job, status });
  }

  setUp(up: boolean): void {
    this.up.set(up ? 1 : 0);
  }

  /** The exposition text for a scrape. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private setLastRun(job: string, status: FinishedRunStatus, endedAt: Date): void {
    this.lastRun.set({ job }, seconds(endedAt));
    for (const each of FINISHED_RUN_STATUSES) this.lastRunStatus.set({ job, status: each }, each === status ? 1 : 0);
  }
}

function seconds(at: Date): number {
  return at.getTime() / 1000;
}

/** prom-client throws on a negative increment; a bad count must not take the daemon down with it. */
function countValue(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
