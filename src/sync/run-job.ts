// One run of one job, phase by phase: start (PBX, source, mapping, state) -> read and push -> delete -> finish.
import { deletePhase } from "./phases/delete.js";
import { failureVerdict, finishPhase, settleRefsPhase, verdictOf, watermarkPhase, type Verdict } from "./phases/finish.js";
import { readPhase } from "./phases/read.js";
import { startPhase } from "./phases/start.js";
import { JobRun } from "./job-run.js";
import type { RunJobOptions, RunSummary } from "./run-types.js";

export { prepareJob, checkPbx } from "./phases/start.js";
export type { RunJobOptions, RunSummary, Trigger } from "./run-types.js";

/**
 * Runs the job once. Throws only when the run cannot even be put on record (the store refuses the new run, or
 * another daemon claimed the schedule slot); every run it created ends on record, whatever throws on the way.
 */
export async function runJob(options: RunJobOptions): Promise<RunSummary> {
  const run = new JobRun(options);
  if (!run.dryRun || options.record === true) {
    run.runId = await options.store.createRun({
      job: options.job.name,
      ...(run.dryRun ? { dryRun: true } : {}),
      appName: options.job.appName,
      trigger: options.trigger,
      pbx: options.pbxLabel,
      ...(options.scheduledFor !== undefined ? { scheduledFor: options.scheduledFor } : {}),
      ...(run.full ? { fullReason: options.fullReason ?? "--full" } : {}),
    });
  }
  let verdict: Verdict;
  try {
    if (run.runId !== null) await options.onRunCreated?.(run.runId);
    const prepared = await startPhase(run);
    await readPhase(run, prepared);
    const deletion = await deletePhase(run, prepared);
    run.progress.done(run.snapshot("done"));
    await watermarkPhase(run, prepared.incremental);
    verdict = verdictOf(run, deletion);
    await settleRefsPhase(run, prepared.incremental, verdict);
  } catch (err) {
    // Whatever broke, nothing may be left running: the batches in flight settle before the run is recorded.
    run.logger.error({ err: err instanceof Error ? err.message : String(err) }, "run failed");
    verdict = failureVerdict(run.stopped ?? err);
    await run.pool.settle();
    await run.writer?.flush();
  }
  await closeSource(run);
  return finishPhase(run, verdict);
}

/** Closes the source the start phase opened; a failure to close is logged, never the run's. */
async function closeSource(run: JobRun): Promise<void> {
  try {
    await run.source?.close();
  } catch (err) {
    run.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "cannot close the source");
  }
}
