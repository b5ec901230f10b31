// Run counts and how they decide a run's status.
import type { RunCounts, RunStatus } from "../store/index.js";

export function emptyCounts(): RunCounts {
  return {
    read: 0,
    skipped: 0,
    invalid: 0,
    duplicates: 0,
    unchanged: 0,
    inserted: 0,
    updated: 0,
    rejected: 0,
    warnings: 0,
    errors: 0,
    unconfirmed: 0,
    deleted: 0,
    kept: 0,
  };
}

/**
 * success: every contact arrived (warnings allowed, local skips by rule are intended);
 * partial: some contacts did not (bad rows, rejected, failed, unconfirmed); failed: the run itself broke.
 */
export function statusOf(counts: RunCounts, runError: string | null): RunStatus {
  if (runError !== null) return "failed";
  const lost = counts.invalid + counts.duplicates + counts.rejected + counts.errors + counts.unconfirmed;
  return lost > 0 ? "partial" : "success";
}
