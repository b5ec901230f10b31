// One run of one job: read -> map -> batch -> push -> record, streamed end to end with bounded concurrency.
import os from "node:os";
import { getConnector } from "../../connectors/index.js";
import type { SourceItem } from "../../connectors/types.js";
import type { AppConfig, JobConfig } from "../config/index.js";
import type { SyncError} from "../errors.js";
import { toSyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { compileMapping, loadMapping, type CompiledMapping } from "../mapping/index.js";
import type { PbxClient } from "../pbx/index.js";
import type { ContactResultInput, RunCounts, RunStatus, Store } from "../store/index.js";
import { Batcher, displayNameOf, type Batch, type PendingContact } from "./batcher.js";
import { confirmBatch, failBatch } from "./confirm.js";
import { emptyCounts, statusOf } from "./counts.js";
import { TaskPool } from "./pool.js";
import { noProgress, type ProgressSink } from "./progress.js";
import { FATAL_CODES, withRetry } from "./retry.js";
import { ResultWriter } from "./result-writer.js";
import { FingerprintSet } from "./seen-set.js";

export type Trigger = "cli" | "schedule" | "demo";

export interface RunJobOptions {
  config: AppConfig;
  job: JobConfig;
  store: Store;
  client: PbxClient;
  /** The PBX as printed and stored: the endpoint URL, never with the token. */
  pbxLabel: string;
  trigger: Trigger;
  /** Read and map everything, send nothing, record nothing. */
  dryRun?: boolean;
  logger?: Logger;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

export interface RunSummary {
  runId: number | null;
  job: string;
  status: RunStatus;
  counts: RunCounts;
  error: string | null;
  durationMs: number;
  /** Contacts a dry run would send. */
  wouldSend: number;
}

/**
 * Prepares a job: the source answers check() and the mapping compiles against its columns.
 * Throws before any work is done, so bad configuration never produces a half run.
 */
export async function prepareJob(config: AppConfig, job: JobConfig, logger: Logger = silentLogger): Promise<CompiledMapping> {
  const connector = getConnector(job.source.type);
  const checked = await connector.check(job.source.config, { baseDir: config.baseDir, logger });
  const loaded = await loadMapping(job.mapping);
  return compileMapping(loaded, { appName: job.appName, ...(checked.columns ? { columns: checked.columns } : {}) });
}

export async function runJob(options: RunJobOptions): Promise<RunSummary> {
  const { config, job, store, client } = options;
  const logger = (options.logger ?? silentLogger).child({ job: job.name });
  const progress = options.progress ?? noProgress;
  const dryRun = options.dryRun === true;
  const started = Date.now();
  const counts = emptyCounts();

  const runId = dryRun
    ? null
    : await store.createRun({ job: job.name, appName: job.appName, trigger: options.trigger, pbx: options.pbxLabel });
  let mapping: CompiledMapping;
  try {
    mapping = await prepareJob(config, job, logger);
  } catch (err) {
    // The source does not answer (or the mapping broke since validation): a failed run, on record.
    const error = toSyncError(err);
    const message = `${error.code}: ${error.message}`;
    if (runId !== null) await store.finishRun(runId, { status: "failed", counts, error: message });
    logger.error({ err: error.toJSON() }, "run could not start");
    return { runId, job: job.name, status: "failed", counts, error: message, durationMs: Date.now() - started, wouldSend: 0 };
  }
  logger.info({ runId, pbx: options.pbxLabel, dryRun }, "run started");
  const writer = new ResultWriter(store, runId);
  const batcher = new Batcher(job);
  const pool = new TaskPool(job.concurrency);
  const seen = new FingerprintSet();
  let pushed = 0;
  let wouldSend = 0;
  let runError: string | null = null;
  let stopped: SyncError | null = null;
  const snapshot = (phase: "reading" | "pushing" | "done") => ({
    phase,
    read: counts.read,
    pushed,
    failed: counts.errors + counts.rejected + counts.unconfirmed,
    elapsedMs: Date.now() - started,
  });

  const send = async (batch: Batch): Promise<void> => {
    if (dryRun) {
      wouldSend += batch.items.length;
      return;
    }
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
      await writer.add(confirmation.rows);
    } catch (err) {
      const error = toSyncError(err);
      logger.error({ err: error.toJSON(), contacts: batch.items.length }, "batch failed");
      if (FATAL_CODES.has(error.code) && !stopped) stopped = error;
      await writer.add(failBatch(batch, `${error.code}: ${error.message}`, counts));
    }
    pushed += batch.items.length;
    progress.update(snapshot("pushing"));
  };

  const submit = async (batches: Batch[]) => {
    for (const batch of batches) await pool.submit(() => send(batch));
  };

  try {
    const connector = getConnector(job.source.type);
    const items: AsyncIterable<SourceItem> = connector.read(job.source.config, {
      baseDir: config.baseDir,
      logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const item of items) {
      if (stopped || options.signal?.aborted) break;
      if (item.kind === "problem") {
        counts.invalid++;
        await writer.add([{ ref: item.ref, appName: job.appName, externalId: null, outcome: "invalid", info: item.message }]);
        continue;
      }
      counts.read++;
      const rows = mapRecord(item.ref, item.fields, mapping, job.appName, seen, counts);
      if (rows.result) await writer.add([rows.result]);
      else if (rows.pending) await submit(batcher.add(rows.pending));
      if ((counts.read & 1023) === 0) progress.update(snapshot("reading"));
    }
  } catch (err) {
    const error = toSyncError(err, "SOURCE_READ_FAILED");
    runError = `source read failed after ${counts.read} records: ${error.message}`;
    logger.error({ err: error.toJSON() }, "source read failed");
  }
  await submit(batcher.flush());
  await pool.drain();
  await writer.flush();
  if (stopped) runError = `stopped: ${(stopped as SyncError).code}: ${(stopped as SyncError).message}`;
  else if (options.signal?.aborted && runError === null) runError = "interrupted";

  const status = statusOf(counts, runError);
  if (runId !== null) await store.finishRun(runId, { status, counts, error: runError });
  const summary: RunSummary = { runId, job: job.name, status, counts, error: runError, durationMs: Date.now() - started, wouldSend };
  progress.done(snapshot("done"));
  logger.info({ runId, status, counts, durationMs: summary.durationMs, host: os.hostname() }, "run finished");
  return summary;
}

/** Maps one record; either a report row (skipped, invalid, duplicate) or a contact to send. */
function mapRecord(
  ref: string,
  fields: Readonly<Record<string, unknown>>,
  mapping: CompiledMapping,
  appName: string,
  seen: FingerprintSet,
  counts: RunCounts,
): { result?: ContactResultInput; pending?: PendingContact } {
  const mapped = mapping.apply(fields, ref);
  if (mapped.kind === "skip") {
    counts.skipped++;
    return { result: { ref, appName, externalId: null, outcome: "skipped", info: mapped.reason } };
  }
  if (mapped.kind === "invalid") {
    counts.invalid++;
    return { result: { ref, appName, externalId: null, outcome: "invalid", info: mapped.problems.join("; ") } };
  }
  const contact = mapped.contact;
  const displayName = displayNameOf(contact);
  if (!seen.add(`${contact.uc_app_name}\u0000${contact.uc_external_id}`)) {
    counts.duplicates++;
    return {
      result: {
        ref,
        appName: contact.uc_app_name,
        externalId: contact.uc_external_id,
        displayName,
        outcome: "duplicate",
        info: `uc_external_id "${contact.uc_external_id}" appeared earlier in the source; this record was not sent`,
      },
    };
  }
  return { pending: { ref, contact, displayName, warnings: mapped.warnings } };
}
