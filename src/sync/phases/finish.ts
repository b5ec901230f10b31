// The finish phase: the run's status and error from what happened, written to the store whatever went wrong before.
import { isSyncError, toSyncError, type ErrorCode } from "../../errors.js";
import { httpFailurePasses } from "../../retry.js";
import { isRetryable } from "../../pbx/index.js";
import type { FinishRunInput, RunStatus } from "../../store/index.js";
import { statusOf } from "../counts.js";
import type { DeletionPlan } from "./delete.js";
import { stopCauseOf } from "../interruption.js";
import type { JobRun } from "../job-run.js";
import { recordWatermark, type IncrementalRun } from "../incremental.js";
import { sleep } from "../retry.js";
import type { RunSummary } from "../run-types.js";

export interface Verdict {
  status: RunStatus;
  error: string | null;
  /** The failure may pass by itself: worth a retry by the daemon. */
  transient: boolean;
  /** What to do about the failure (its error's hint). */
  hint?: string;
}

/** Failures that say nothing about the configuration: the PBX, the source or the store did not answer. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["STORE_FAILED", "SOURCE_READ_FAILED", "SOURCE_SQL", "SOURCE_REST", "SOURCE_NOT_FOUND"]);

export function isTransient(err: unknown): boolean {
  if (isSyncError(err, "SOURCE_REST")) return httpFailurePasses(err);
  return isRetryable(err) || (isSyncError(err) && (TRANSIENT_CODES.has(err.code) || err.code === "PBX_DNS" || err.code === "PBX_NETWORK"));
}


/** A run that could not start or broke on the way: failed, with the error's code and message. */
export function failureVerdict(err: unknown): Verdict {
  const error = toSyncError(err);
  return { status: "failed", error: `${error.code}: ${error.message}`, transient: isTransient(error), hint: error.hint };
}

/** The verdict of a run that went through its phases: a stop beats an interruption, which beats a failed read, which beats a guard. */
export function verdictOf(run: JobRun, deletion: DeletionPlan): Verdict {
  if (run.stopped) return { status: "failed", error: `stopped: ${run.stopped.code}: ${run.stopped.message}`, transient: isTransient(run.stopped), hint: run.stopped.hint };
  const cause = stopCauseOf(run.options.signal);
  if (cause) {
    const notSent = run.notSent > 0 ? ` (${run.notSent.toLocaleString("en-US")} more left for the next run)` : "";
    const pushed = `${run.pushed.toLocaleString("en-US")} contacts pushed before${notSent}`;
    return { status: cause.status, error: `${cause.reason}: the source was read in part (${run.counts.read.toLocaleString("en-US")} records), ${pushed}; no deletions`, transient: false };
  }
  // A failed read fails the run, whether or not it also held deletions back (its guard's words say nothing was
  // deleted): one status and one exit code for it, and the daemon retries a failed run when the cause may pass.
  if (run.readFailure !== null) {
    const error = deletion.guard !== null ? `${run.readFailure}; ${deletion.guard}` : run.readFailure;
    return { status: "failed", error, transient: run.readFailureTransient, ...(run.readFailureHint !== null ? { hint: run.readFailureHint } : {}) };
  }
  if (deletion.guard !== null) return { status: "aborted", error: deletion.guard, transient: false };
  return { status: statusOf(run.counts, null), error: null, transient: false };
}

/** Moves an incremental source's watermark, only after a run that read everything and lost nothing. */
export async function watermarkPhase(run: JobRun, incremental: IncrementalRun | undefined): Promise<void> {
  if (!incremental || run.runId === null || run.dryRun) return;
  const complete = run.readFailure === null && !run.halted;
  if (await recordWatermark(run.store, run.job.name, incremental, run.watermark, run.runId, complete, run.counts)) {
    run.logger.info({ watermark: run.watermark }, "next run reads the changes since this watermark");
  }
}

/**
 * Settles the per-record versions a run read whole (a CardDAV source's ETags) once it ended success or partial:
 * the next run reads only what changed since. A failure to settle costs the next run some fetches, never a contact.
 */
export async function settleRefsPhase(run: JobRun, incremental: IncrementalRun | undefined, verdict: Verdict): Promise<void> {
  if (!incremental?.refs || run.runId === null || run.dryRun || run.writer?.failure) return;
  if (verdict.status !== "success" && verdict.status !== "partial") return;
  try {
    await run.store.settleSourceRefs(run.job.name, incremental.sourceKey, run.runId);
  } catch (err) {
    run.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "cannot settle the source's record versions: the next run reads those records whole again");
  }
}

/** Tries to write the run's end a few times: a store that blinked must not leave the run `running`. */
const FINISH_DELAYS_MS = [250, 1_000, 3_000];

/** Records the run's end (never throws) and builds its summary. */
export async function finishPhase(run: JobRun, verdict: Verdict): Promise<RunSummary> {
  const writeError = run.writer?.failure ?? null;
  // The writer's failure is the run's: contacts were pushed whose report rows and state were not written.
  const final: Verdict =
    writeError && verdict.status !== "failed"
      ? { status: "failed", error: `STORE_FAILED: ${writeError.message}${verdict.error ? `; ${verdict.error}` : ""}`, transient: true }
      : verdict;
  // A recorded dry run's counts are its plan's: what it would have inserted, updated and deleted.
  const counts = run.dryRun ? { ...run.counts, inserted: run.planned.insert, updated: run.planned.update, deleted: run.planned.delete } : run.counts;
  const result: FinishRunInput = { status: final.status, counts, error: final.error };
  let recordError: string | null = null;
  if (run.runId !== null) {
    recordError = await writeFinish(run, run.runId, result);
    if (recordError !== null) run.options.onUnrecorded?.(run.runId, result);
  }
  const summary: RunSummary = {
    runId: run.runId,
    job: run.job.name,
    status: final.status,
    counts: run.counts,
    error: final.error,
    durationMs: Date.now() - run.started,
    plan: run.dryRun ? run.planned : null,
    fullReason: run.full ? (run.options.fullReason ?? "--full") : null,
    recordError,
    transient: final.transient,
    ...(final.hint !== undefined ? { hint: final.hint } : {}),
  };
  const level = final.status === "failed" ? "error" : "info";
  run.logger[level]({ runId: run.runId, status: final.status, error: final.error, counts: run.counts, durationMs: summary.durationMs, recordError }, "run finished");
  return summary;
}

async function writeFinish(run: JobRun, runId: number, result: FinishRunInput): Promise<string | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      await run.store.finishRun(runId, result);
      return null;
    } catch (err) {
      const delay = FINISH_DELAYS_MS[attempt];
      if (delay === undefined) {
        const error = toSyncError(err, "STORE_FAILED");
        run.logger.error({ err: error.toJSON(), runId }, "cannot record the end of the run");
        return `${error.code}: ${error.message}`;
      }
      await sleep(delay);
    }
  }
}
