// The push phase: batches go to phonebook_import_sync, the verbose answer becomes report rows and contact state.
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { toSyncError } from "../../errors.js";
import type { Batch } from "../batcher.js";
import { confirmBatch, failBatch } from "../confirm.js";
import type { JobRun } from "../job-run.js";
import { FATAL_CODES, isRetryableFailure, withRetry } from "../retry.js";
import { sentOf } from "../sent.js";

/**
 * Batches in a row that failed on network trouble after all their retries: past this, the PBX is taken for
 * gone and the run stops rather than wait out every retry of every remaining batch.
 */
export const MAX_FAILED_BATCHES_IN_A_ROW = 3;

/**
 * Batches ready to go beyond those in flight: one, queued to start the moment a request ends, so that the PBX
 * always has `concurrency` requests while the reader prepares the next batch. With the batches whose answers
 * are being recorded, at most 2 × concurrency + 1 batches are held past the batcher (the pool's bound).
 */
export const BATCHES_AHEAD = 1;

/** Hands a full batch to the pool; waits while the pool is full and one batch is queued, which back-pressures the reader. */
export async function submitBatch(run: JobRun, batch: Batch): Promise<void> {
  await run.pool.submit((release) => sendBatch(run, batch, release), { ahead: BATCHES_AHEAD });
}

/**
 * Sends one batch and records what the PBX said. Never throws: a failure becomes report rows and, if fatal, stops the run.
 * Runs when the batch starts, queued or not: a batch queued before a stop or an abort is handled as not sent.
 * `release` hands the pool's slot to the next batch once the PBX has answered (or the batch failed for good).
 */
export async function sendBatch(run: JobRun, batch: Batch, release: () => void = () => {}): Promise<void> {
  const writer = run.writer;
  if (!writer) throw new Error("sendBatch before the start phase");
  if (run.stopped) {
    await writer.add(failBatch(batch, `not sent: ${run.stopped.code}: ${run.stopped.message}`, run.counts));
    return;
  }
  if (run.options.signal?.aborted === true) {
    // Interrupted: the contacts are not in the state, so the next run sends them; like records never read, no rows.
    run.notSent += batch.items.length;
    return;
  }
  const contacts = batch.items.map((item) => item.contact);
  let answer: Awaited<ReturnType<typeof run.client.importSync>>;
  try {
    answer = await withRetry(() => run.client.importSync(contacts, { verbose: true, ...run.callOptions }), run.job.retry, {
      onRetry: (err, attempt, delayMs) =>
        run.logger.warn({ err: toSyncError(err).toJSON(), attempt, delayMs, contacts: batch.items.length }, "batch failed, retrying"),
      ...(run.options.cancel ? { signal: run.options.cancel } : {}),
    });
  } catch (err) {
    const error = toSyncError(err);
    run.logger.error({ err: error.toJSON(), contacts: batch.items.length }, "batch failed");
    run.failedBatchesInARow = isRetryableFailure(error) ? run.failedBatchesInARow + 1 : 0;
    if (FATAL_CODES.has(error.code) || run.failedBatchesInARow >= MAX_FAILED_BATCHES_IN_A_ROW) run.stop(error);
    // Only now may the next batch start: it must see the stop this failure caused.
    release();
    await writer.add(failBatch(batch, `${error.code}: ${error.message}`, run.counts));
    run.pushed += batch.items.length;
    return;
  }
  run.failedBatchesInARow = 0;
  // The next batch goes out while this answer is recorded: its request reaches the socket before the recording starts.
  release();
  await nextMacrotask();
  // Counted from the PBX's answer; a store failure from here on is the writer's, never the batch's.
  const confirmation = confirmBatch(batch, answer, run.counts);
  const upserts = confirmation.confirmed.flatMap(({ item, pbxId }) =>
    item.hashes
      ? [{ externalId: item.contact.uc_external_id, pbxId, contactHash: item.hashes.contact, sourceHash: item.hashes.source, displayName: item.displayName, sent: sentOf(item.contact) }]
      : [],
  );
  await writer.add(confirmation.rows, { upserts });
  run.pushed += batch.items.length;
  run.progress.update(run.snapshot("pushing"));
}

