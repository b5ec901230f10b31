// The read phase: the source streams records, a chunk at a time they are classified against the state and batched.
import type { SourceItem, SourceProblem, SourceRecord, SourceRefs, SourceWarning } from "../../../connectors/types.js";
import { toSyncError } from "../../errors.js";
import { BrokenRecordKeeper } from "../broken-records.js";
import { classifyChunk, type Classified, type ClassifyContext } from "../classify.js";
import { sourceSeedOf } from "../hashes.js";
import { PresentKeys, type IncrementalRun } from "../incremental.js";
import type { JobRun, Prepared } from "../job-run.js";
import { isTransient } from "./finish.js";
import { submitBatch } from "./push.js";
import { changedFields, pushDetail, sentOf } from "../sent.js";
import type { ContactResultInput } from "../../store/index.js";
import type { PendingContact } from "../batcher.js";

/** A planned update's changes against what the PBX last confirmed; nothing to say when that is not on record. */
function changesOf(pending: PendingContact): { changes?: Record<string, { from: unknown; to: unknown }> } {
  if (!pending.previous) return {};
  const sent = sentOf(pending.contact);
  const before = changedFields(pending.previous, sent);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [field, from] of Object.entries(before)) changes[field] = { from, to: sent[field as keyof typeof sent] ?? null };
  return { changes };
}

/**
 * Records classified together: at most one state query per chunk (for the records the in-memory table cannot
 * settle), never one per contact. Mapping a chunk of new contacts holds the event loop about 40 ms. Chunks of 128
 * held it less, but a run that stops (a fatal PBX answer) reads no further, and the records after that point get
 * no report row: with 128 that point came before the end of the README's 300-contact fault runs, which report
 * every contact. The size stays as it was until a stopped run reports what it did not read.
 */
const CLASSIFY_CHUNK = 500;

/**
 * Reads the source to its end (or until the run halts), pushing as it goes; then the last open batches.
 * A failed read is kept as `readFailure`: the records read before it are pushed all the same, only the
 * deletions need the whole source.
 */
export async function readPhase(run: JobRun, prepared: Prepared): Promise<void> {
  const { mapping, state, table } = prepared;
  const lookup = (ids: readonly string[]) => state.lookup(ids);
  const seed = sourceSeedOf(mapping);
  const classify: ClassifyContext = { mapping, seed, full: run.full, seen: run.seen, counts: run.counts, seenInState: 0, table, lookup };
  const keeper = new BrokenRecordKeeper(mapping, lookup);
  const present = new PresentKeys(mapping, lookup, run.seen, run.counts);
  let chunk: SourceRecord[] = [];
  /** Records taken out of the chunk and not yet classified: lost to the run if the state lookup fails. */
  let classifying = 0;
  const flushChunk = async (): Promise<void> => {
    const records = chunk;
    chunk = [];
    if (records.length === 0) return;
    classifying = records.length;
    const classified = await classifyChunk(records, classify);
    classifying = 0;
    await withPrevious(classified, state);
    await handle(run, classified);
  };

  try {
    const items: AsyncIterable<SourceItem> = prepared.source.read({
      ...(prepared.incremental?.since !== undefined ? { since: prepared.incremental.since } : {}),
      ...(run.options.signal ? { signal: run.options.signal } : {}),
      ...refsFor(run, prepared.incremental),
    });
    for await (const item of items) {
      if (run.halted) break;
      if (item.kind === "watermark") run.watermark = item.value;
      else if (item.kind === "present") {
        // The records read whole go first: a key of a record read as changed must find it seen.
        await flushChunk();
        await present.add(item);
      }
      else if (item.kind === "problem") await brokenRecord(run, keeper, item);
      else if (item.kind === "warning") await sourceWarning(run, item);
      else {
        run.counts.read++;
        chunk.push(item);
        if (chunk.length >= CLASSIFY_CHUNK) await flushChunk();
        if ((run.counts.read & 1023) === 0) run.progress.update(run.snapshot("reading"));
      }
    }
  } catch (err) {
    readFailed(run, err, classifying);
  }
  try {
    // The records read before a failure are pushed all the same.
    await flushChunk();
    await present.flush();
  } catch (err) {
    readFailed(run, err, classifying);
  }
  run.seenInState += classify.seenInState + present.seenInState;
  if (!run.dryRun) for (const batch of run.batcher.flush()) await submitBatch(run, batch);
  await run.pool.drain();
  await run.writer?.flush();
  run.seenInState += keeper.markSeen(run.seen);
}

/** The store's memory of the source's records, for a source that keeps per-record versions (CardDAV). */
function refsFor(run: JobRun, incremental: IncrementalRun | undefined): { refs?: SourceRefs } {
  if (!incremental?.refs) return {};
  const scope = { job: run.job.name, sourceKey: incremental.sourceKey, runId: run.runId, write: !run.dryRun, lookups: !incremental.refs.refetch };
  return { refs: run.store.sourceRefs(scope) };
}

/**
 * A failure while reading. The store failing under a state lookup stops the run (nothing after it can be
 * recorded) and counts the records it left unclassified as errors; anything else is the source's failure.
 */
function readFailed(run: JobRun, err: unknown, unclassified: number): void {
  const error = toSyncError(err, "SOURCE_READ_FAILED");
  if (error.code === "STORE_FAILED") {
    run.counts.errors += unclassified;
    run.stop(error);
    return;
  }
  run.readFailureTransient = isTransient(error);
  run.readFailureHint = error.hint;
  run.readFailure = `source read failed after ${run.counts.read} records: ${error.code}: ${error.message}`;
  run.logger.error({ err: error.toJSON() }, "source read failed");
}

/** A record the source could not read: reported, and its contact kept on the PBX when its id can be told. */
async function brokenRecord(run: JobRun, keeper: BrokenRecordKeeper, item: SourceProblem): Promise<void> {
  run.counts.invalid++;
  const known = await keeper.recognise(item);
  if (known === null) run.sourceProblems++;
  const info = known && known.length > 0 ? `${item.message} (kept on the PBX: ${known.join(", ")})` : item.message;
  const externalId = known?.length === 1 ? (known[0] ?? null) : null;
  await run.writer?.add([{ ref: item.ref, appName: run.job.appName, externalId, outcome: "invalid", info }]);
  run.plan?.entry({ class: "invalid", ref: item.ref, externalId, name: "", info });
}

/** A note about the source as a whole (a CSV file read as windows-1252): a warning row of the report, with no contact. */
async function sourceWarning(run: JobRun, item: SourceWarning): Promise<void> {
  run.counts.warnings++;
  await run.writer?.add([{ ref: item.ref, appName: run.job.appName, externalId: null, outcome: "warning", info: item.message }]);
}

/** A recorded dry run's row for a contact it would push: the outcome it plans, what it would send. */
function plannedRow(run: JobRun, action: "insert" | "update", pending: PendingContact): ContactResultInput {
  return {
    ref: pending.ref,
    appName: run.job.appName,
    externalId: pending.contact.uc_external_id,
    displayName: pending.displayName,
    outcome: action === "insert" ? "inserted" : "updated",
    action,
    info: pending.warnings.length > 0 ? pending.warnings.join("; ") : null,
    detail: pushDetail(pending.contact, pending.previous),
  };
}

/** Each update gets the contact as the PBX last confirmed it (one state query per chunk), so its report says what changed. */
async function withPrevious(classified: readonly Classified[], state: Prepared["state"]): Promise<void> {
  const updates = classified.flatMap((item) => (item.kind === "push" && item.action === "update" ? [item.pending] : []));
  if (updates.length === 0) return;
  const sent = await state.sent(updates.map((pending) => pending.contact.uc_external_id));
  for (const pending of updates) pending.previous = sent.get(pending.contact.uc_external_id) ?? null;
}

/** Report rows, source-hash refreshes, and contacts to push (or, in a dry run, to list in the plan). */
async function handle(run: JobRun, classified: readonly Classified[]): Promise<void> {
  const refreshes: Array<{ externalId: string; sourceHash: string }> = [];
  for (const item of classified) {
    if (item.kind === "row") {
      await run.writer?.add([item.row]);
      const { outcome } = item.row;
      const planClass = outcome === "skipped" ? "skip" : outcome === "invalid" ? "invalid" : "duplicate";
      run.plan?.entry({ class: planClass, ref: item.row.ref, externalId: item.row.externalId, name: item.row.displayName ?? "", info: item.row.info ?? "" });
    } else if (item.kind === "unchanged") {
      if (item.refresh) refreshes.push(item.refresh);
    } else {
      run.planned[item.action]++;
      const { pending } = item;
      if (run.dryRun) {
        await run.writer?.add([plannedRow(run, item.action, pending)]);
        run.plan?.entry({
          class: item.action,
          ref: pending.ref,
          externalId: pending.contact.uc_external_id,
          name: pending.displayName,
          info: pending.warnings.join("; "),
          contact: pending.contact,
          ...changesOf(pending),
        });
      } else {
        for (const batch of run.batcher.add(pending)) await submitBatch(run, batch);
      }
    }
  }
  if (refreshes.length > 0) await run.writer?.add([], { refreshes });
}
