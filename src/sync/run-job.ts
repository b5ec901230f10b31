// One run of one job: read -> classify against state -> batch -> push -> record -> delete what vanished.
import os from "node:os";
import { getConnector } from "../../connectors/index.js";
import type { CheckResult, SourceItem, SourceRecord } from "../../connectors/types.js";
import type { AppConfig, JobConfig } from "../config/index.js";
import { toSyncError, type SyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { compileMapping, loadMapping, type CompiledMapping } from "../mapping/index.js";
import type { PbxClient } from "../pbx/index.js";
import type { RunCounts, RunStatus, Store } from "../store/index.js";
import { countState, lookupState, type StateScope } from "../store/state.js";
import { Batcher, type Batch } from "./batcher.js";
import { BrokenRecordKeeper } from "./broken-records.js";
import { PresentKeys, planIncremental, recordWatermark, type IncrementalRun } from "./incremental.js";
import { classifyChunk, type Classified, type ClassifyContext } from "./classify.js";
import { confirmBatch, failBatch } from "./confirm.js";
import { emptyCounts, statusOf } from "./counts.js";
import { deleteVanished, planDeletions, planVanished, type DeleteContext } from "./deletions.js";
import { pbxKeyOf } from "./hashes.js";
import type { PlanSink } from "./plan.js";
import { TaskPool } from "./pool.js";
import { noProgress, type ProgressSink } from "./progress.js";
import { ResultWriter } from "./result-writer.js";
import { FATAL_CODES, withRetry } from "./retry.js";
import { FingerprintSet } from "./seen-set.js";

export type Trigger = "cli" | "schedule" | "demo";

/** Records classified per state lookup: one query per chunk, never one per contact. */
const CLASSIFY_CHUNK = 500;

export interface RunJobOptions {
  config: AppConfig;
  job: JobConfig;
  store: Store;
  client: PbxClient;
  /** The PBX as printed and stored: the endpoint URL, never with the token. Also keys the contact state. */
  pbxLabel: string;
  trigger: Trigger;
  /** Plan only: read, classify against the state, send nothing, record nothing. */
  dryRun?: boolean;
  /** Where a dry run's plan goes, contact by contact. */
  plan?: PlanSink;
  /** Push every contact, whatever the state says. */
  full?: boolean;
  /** Let the deletions pass the maxDeleteRatio guard, for this run only. */
  allowMassDelete?: boolean;
  logger?: Logger;
  progress?: ProgressSink;
  signal?: AbortSignal;
  /** Called once the run is on record (not for a dry run): the job lock notes the run it guards. */
  onRunCreated?: (runId: number) => Promise<void>;
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
}

/**
 * Prepares a job: the source answers check() and the mapping compiles against its columns.
 * Throws before any work is done, so bad configuration never produces a half run.
 */
export async function prepareJob(config: AppConfig, job: JobConfig, logger: Logger = silentLogger): Promise<{ mapping: CompiledMapping; checked: CheckResult }> {
  const connector = getConnector(job.source.type);
  const checked = await connector.check(job.source.config, { baseDir: config.baseDir, logger });
  const loaded = await loadMapping(job.mapping);
  return { mapping: compileMapping(loaded, { appName: job.appName, ...(checked.columns ? { columns: checked.columns } : {}) }), checked };
}

export async function runJob(options: RunJobOptions): Promise<RunSummary> {
  const { config, job, store, client } = options;
  const logger = (options.logger ?? silentLogger).child({ job: job.name });
  const progress = options.progress ?? noProgress;
  const dryRun = options.dryRun === true;
  const started = Date.now();
  const counts = emptyCounts();
  const finish = async (status: RunStatus, error: string | null, plan: RunSummary["plan"] = null): Promise<RunSummary> => {
    if (runId !== null) await store.finishRun(runId, { status, counts, error });
    const summary: RunSummary = { runId, job: job.name, status, counts, error, durationMs: Date.now() - started, plan };
    logger.info({ runId, status, counts, durationMs: summary.durationMs, host: os.hostname() }, "run finished");
    return summary;
  };

  const runId = dryRun ? null : await store.createRun({ job: job.name, appName: job.appName, trigger: options.trigger, pbx: options.pbxLabel });
  if (runId !== null) await options.onRunCreated?.(runId);
  let mapping: CompiledMapping;
  let scope: StateScope;
  let stateBefore: number;
  let incremental: IncrementalRun | undefined;
  try {
    const prepared = await prepareJob(config, job, logger);
    mapping = prepared.mapping;
    scope = { pbxKey: pbxKeyOf(options.pbxLabel), appName: mapping.appName };
    stateBefore = await countState(store.knex, scope);
    incremental = await planIncremental(store, job.name, mapping, prepared.checked, options.full === true || stateBefore === 0);
  } catch (err) {
    // The source does not answer (or the mapping broke since validation): a failed run, on record.
    const error = toSyncError(err);
    logger.error({ err: error.toJSON() }, "run could not start");
    return finish("failed", `${error.code}: ${error.message}`);
  }
  logger.info({ runId, pbx: options.pbxLabel, dryRun, full: options.full === true, stateBefore, since: incremental?.since ?? null }, "run started");

  const writer = new ResultWriter(store, runId, scope);
  const batcher = new Batcher(job);
  const pool = new TaskPool(job.concurrency);
  const seen = new FingerprintSet();
  const planned = { insert: 0, update: 0, delete: 0 };
  let pushed = 0;
  let sourceProblems = 0;
  let readFailure: string | null = null;
  let stopped: SyncError | null = null;
  const snapshot = (phase: "reading" | "pushing" | "deleting" | "done") => ({
    phase,
    read: counts.read,
    pushed,
    failed: counts.errors + counts.rejected + counts.unconfirmed,
    elapsedMs: Date.now() - started,
  });

  const send = async (batch: Batch): Promise<void> => {
    if (stopped) {
      await writer.add(failBatch(batch, `not sent: ${stopped.message}`, counts));
      return;
    }
    try {
      const result = await withRetry(() => client.importSync(batch.items.map((item) => item.contact), { verbose: true }), job.retry, {
        onRetry: (err, attempt, delayMs) =>
          logger.warn({ err: toSyncError(err).toJSON(), attempt, delayMs, contacts: batch.items.length }, "batch failed, retrying"),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const confirmation = confirmBatch(batch, result, counts);
      const upserts = confirmation.confirmed.flatMap(({ item, pbxId }) =>
        item.hashes ? [{ externalId: item.contact.uc_external_id, pbxId, contactHash: item.hashes.contact, sourceHash: item.hashes.source }] : [],
      );
      await writer.add(confirmation.rows, { upserts });
    } catch (err) {
      const error = toSyncError(err);
      logger.error({ err: error.toJSON(), contacts: batch.items.length }, "batch failed");
      if (FATAL_CODES.has(error.code) && !stopped) stopped = error;
      await writer.add(failBatch(batch, `${error.code}: ${error.message}`, counts));
    }
    pushed += batch.items.length;
    progress.update(snapshot("pushing"));
  };

  const handle = async (classified: readonly Classified[]): Promise<void> => {
    const refreshes: Array<{ externalId: string; sourceHash: string }> = [];
    for (const item of classified) {
      if (item.kind === "row") {
        await writer.add([item.row]);
        const { outcome } = item.row;
        const planClass = outcome === "skipped" ? "skip" : outcome === "invalid" ? "invalid" : "duplicate";
        options.plan?.entry({ class: planClass, ref: item.row.ref, externalId: item.row.externalId, name: item.row.displayName ?? "", info: item.row.info ?? "" });
      } else if (item.kind === "unchanged") {
        if (item.refresh) refreshes.push(item.refresh);
      } else {
        planned[item.action]++;
        if (dryRun) {
          const { pending } = item;
          options.plan?.entry({ class: item.action, ref: pending.ref, externalId: pending.contact.uc_external_id, name: pending.displayName, info: pending.warnings.join("; ") });
        } else {
          for (const batch of batcher.add(item.pending)) await pool.submit(() => send(batch));
        }
      }
    }
    if (refreshes.length > 0) await writer.add([], { refreshes });
  };

  let chunk: SourceRecord[] = [];
  const classifyContext: ClassifyContext = {
    mapping,
    full: options.full === true,
    seen,
    counts,
    seenInState: 0,
    lookup: (ids) => lookupState(store.knex, scope, ids),
  };
  const keeper = new BrokenRecordKeeper(mapping, (ids) => lookupState(store.knex, scope, ids));
  const present = new PresentKeys(mapping, (ids) => lookupState(store.knex, scope, ids), seen, counts);
  let watermark: string | undefined;
  const flushChunk = async (): Promise<void> => {
    const records = chunk;
    chunk = [];
    if (records.length > 0) await handle(await classifyChunk(records, classifyContext));
  };

  try {
    const connector = getConnector(job.source.type);
    const items: AsyncIterable<SourceItem> = connector.read(job.source.config, {
      baseDir: config.baseDir,
      logger,
      ...(incremental?.since !== undefined ? { since: incremental.since } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const item of items) {
      if (stopped || options.signal?.aborted) break;
      if (item.kind === "watermark") {
        watermark = item.value;
        continue;
      }
      if (item.kind === "present") {
        await present.add(item);
        continue;
      }
      if (item.kind === "problem") {
        counts.invalid++;
        const known = await keeper.recognise(item);
        if (known === null) sourceProblems++;
        const info = known && known.length > 0 ? `${item.message} (kept on the PBX: ${known.join(", ")})` : item.message;
        const externalId = known?.length === 1 ? (known[0] ?? null) : null;
        await writer.add([{ ref: item.ref, appName: job.appName, externalId, outcome: "invalid", info }]);
        options.plan?.entry({ class: "invalid", ref: item.ref, externalId, name: "", info });
        continue;
      }
      counts.read++;
      chunk.push(item);
      if (chunk.length >= CLASSIFY_CHUNK) await flushChunk();
      if ((counts.read & 1023) === 0) progress.update(snapshot("reading"));
    }
  } catch (err) {
    const error = toSyncError(err, "SOURCE_READ_FAILED");
    readFailure = `source read failed after ${counts.read} records: ${error.message}`;
    logger.error({ err: error.toJSON() }, "source read failed");
  }
  // The records read before a failure are pushed all the same: only the deletions need the whole source.
  await flushChunk();
  await present.flush();
  classifyContext.seenInState += present.seenInState;
  if (!dryRun) for (const batch of batcher.flush()) await pool.submit(() => send(batch));
  await pool.drain();
  await writer.flush();
  classifyContext.seenInState += keeper.markSeen(seen);

  if (options.signal?.aborted) readFailure ??= "interrupted before the source was read to the end";
  const deletion = planDeletions({ stateBefore, seenInState: classifyContext.seenInState, recordsRead: counts.read, sourceProblems, readFailure }, job.deletions, options.allowMassDelete === true);
  const deleteContext: DeleteContext = {
    store,
    scope,
    seen,
    job,
    counts,
    logger,
    client: dryRun ? null : client,
    writer,
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onDeleted: () => progress.update(snapshot("deleting")),
  };
  if (deletion.guard === null && deletion.candidates > 0 && !stopped) {
    planned.delete = deletion.candidates;
    if (dryRun) await planVanished(deleteContext);
    else {
      logger.info({ candidates: deletion.candidates }, "deleting contacts that vanished from the source");
      stopped = (await deleteVanished(deleteContext)) ?? stopped;
      await writer.flush();
    }
  }
  progress.done(snapshot("done"));

  const plan = dryRun ? planned : null;
  if (incremental && runId !== null) {
    const complete = readFailure === null && stopped === null && options.signal?.aborted !== true;
    if (await recordWatermark(store, job.name, incremental, watermark, runId, complete, counts)) logger.info({ watermark }, "next run reads the changes since this watermark");
  }
  if (stopped) return finish("failed", `stopped: ${stopped.code}: ${stopped.message}`, plan);
  if (deletion.guard !== null) {
    logger.warn({ guard: deletion.guard }, "deletions aborted by a guard");
    const error = readFailure ? `${readFailure}; ${deletion.guard}` : deletion.guard;
    return finish("aborted", error, plan);
  }
  if (readFailure !== null) return finish("failed", readFailure, plan);
  return finish(statusOf(counts, null), null, plan);
}
