// What the daemon tells the outside world when a job's state changes, and which changes are worth telling.
import type { RunCounts, RunStatus } from "../store/types.js";

/** A finished run's status: `running` never reaches a notice. */
export type FinishedStatus = Exclude<RunStatus, "running">;

export interface RunNotice {
  /**
   * failure: from ok (or no earlier run) to a bad status; recovery: bad -> success;
   * change: one bad status to another (partial -> failed).
   */
  kind: "failure" | "recovery" | "change";
  job: string;
  appName: string;
  status: FinishedStatus;
  previousStatus: FinishedStatus | null;
  runId: number | null;
  /** What started the run: "schedule", "cli", ... */
  trigger: string;
  counts: RunCounts;
  error: string | null;
  startedAt: Date;
  endedAt: Date;
  /** The machine the daemon runs on, so a reader with several daemons knows where to look. */
  host: string;
  /** A command that shows the run's report, e.g. "phonebook-sync reports show 42 --config /etc/phonebook-sync/config.yaml". */
  reportHint: string | null;
}

export type NoticeKind = RunNotice["kind"];

const BAD: ReadonlySet<RunStatus> = new Set<RunStatus>(["partial", "failed", "aborted"]);

/**
 * Whether a run's status, after the job's previous one, deserves a notice. A job that fails the same way
 * every night is told once, when it starts failing, and again when it recovers or fails differently.
 */
export function noticeKind(previous: RunStatus | null, current: RunStatus): NoticeKind | null {
  if (current === "running" || previous === "running") return null;
  const wasBad = previous !== null && BAD.has(previous);
  const isBad = BAD.has(current);
  if (!wasBad) return isBad ? "failure" : null;
  if (!isBad) return "recovery";
  return previous === current ? null : "change";
}
