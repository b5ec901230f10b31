// The shapes around one run of one job: what starts it, what it reports when it ends.
import type { AppConfig, JobConfig } from "../config/index.js";
import type { Logger } from "../logger.js";
import type { PbxClient } from "../pbx/index.js";
import type { FinishRunInput, RunCounts, RunStatus, Store } from "../store/index.js";
import type { PlanSink } from "./plan.js";
import type { ProgressSink } from "./progress.js";

/** Who started a run: the CLI, the demo, or the daemon (on schedule, catching up a missed one, retrying, at start). */
export type Trigger = "cli" | "demo" | "schedule" | "catch-up" | "retry" | "start";

export interface RunJobOptions {
  config: AppConfig;
  job: JobConfig;
  store: Store;
  client: PbxClient;
  /** The PBX as printed and stored: the endpoint URL, never with the token. Also keys the contact state. */
  pbxLabel: string;
  trigger: Trigger;
  /** Plan only: read, classify against the state, send nothing, record nothing (unless `record`). */
  dryRun?: boolean;
  /** A dry run put on record: its plan becomes a run marked dry run, one report row per planned contact; no state moves. */
  record?: boolean;
  /** Where a dry run's plan goes, contact by contact. */
  plan?: PlanSink;
  /** Push every contact, whatever the state says; the reason is recorded with the run ("--full", "fullEvery 7d ..."). */
  full?: boolean;
  fullReason?: string;
  /** The daemon's schedule slot: a second run of the job for one slot fails with RUN_CLAIMED before any work. */
  scheduledFor?: string;
  /** Let the deletions pass the maxDeleteRatio guard, for this run only. */
  allowMassDelete?: boolean;
  logger?: Logger;
  progress?: ProgressSink;
  /** Stop: read no further, let the batches in flight finish, record the run (see Interruption for the status). */
  signal?: AbortSignal;
  /** Cancel: abort the PBX requests in flight too (a second Ctrl-C, a shutdown past its time limit). */
  cancel?: AbortSignal;
  /** Called once the run is on record (not for a dry run): the job lock notes the run it guards. */
  onRunCreated?: (runId: number) => Promise<void>;
  /** Called when the run's end could not be written to the store: the caller keeps it and writes it later. */
  onUnrecorded?: (runId: number, result: FinishRunInput) => void;
}

export interface RunSummary {
  runId: number | null;
  job: string;
  status: RunStatus;
  counts: RunCounts;
  error: string | null;
  durationMs: number;
  /** A dry run's plan: contacts it would insert, update and delete. */
  plan: { insert: number; update: number; delete: number } | null;
  /** Why every contact was pushed again; null for an incremental run. */
  fullReason: string | null;
  /** Set when the store did not take the run's end: the run still shows `running` there until it does. */
  recordError: string | null;
  /** True when the failure may pass by itself (the PBX, the source or the store unreachable): worth a retry. */
  transient: boolean;
  /** What to do about `error` (its SyncError's hint), for the human summary. */
  hint?: string;
}
