// The start phase: the PBX answers with this token, the source answers, the mapping compiles, the state is counted.
import { getConnector } from "../../../connectors/index.js";
import type { CheckResult, SourceHandle } from "../../../connectors/types.js";
import type { AppConfig, JobConfig } from "../../config/index.js";
import { SyncError, toSyncError } from "../../errors.js";
import { silentLogger, type Logger } from "../../logger.js";
import { compileMapping, loadMapping, type CompiledMapping } from "../../mapping/index.js";
import type { PbxClient } from "../../pbx/index.js";
import type { RetryConfig } from "../../config/schema.js";
import { pbxKeyOf } from "../hashes.js";
import { planIncremental } from "../incremental.js";
import type { JobRun, Prepared } from "../job-run.js";
import type { ContactStateView } from "../../store/index.js";
import { StateTable } from "../state-table.js";
import { withRetry } from "../retry.js";

/**
 * The search of the reachability check: get_phonebook with a text no contact holds. Any answer with outcome 0
 * proves the PBX is there and takes the token; its contacts are ignored.
 */
export const PROBE_SEARCH = "phonebook-sync reachability check";

/**
 * Asks the PBX something cheap before any work: an unreachable PBX or a wrong token fails the run before the
 * source is read, so a run in which nothing changed cannot end "success" against a PBX that is not there.
 * Passing trouble (a PBX restarting) gets the job's retries.
 */
export async function checkPbx(client: PbxClient, retry: RetryConfig, options: { signal?: AbortSignal; logger?: Logger } = {}): Promise<void> {
  const logger = options.logger ?? silentLogger;
  try {
    await withRetry(() => client.getPhonebook(PROBE_SEARCH, { limit: 0, ...(options.signal ? { signal: options.signal } : {}) }), retry, {
      onRetry: (err, attempt, delayMs) => logger.warn({ err: toSyncError(err).toJSON(), attempt, delayMs }, "PBX check failed, retrying"),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    const error = toSyncError(err);
    throw new SyncError(error.code, `the PBX check failed, nothing was read or sent: ${error.message}`, {
      hint: error.hint,
      cause: err,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.bodyExcerpt !== undefined ? { bodyExcerpt: error.bodyExcerpt } : {}),
      ...(error.pbxError !== undefined ? { pbxError: error.pbxError } : {}),
    });
  }
}

/**
 * Prepares a job: the source answers check() and the mapping compiles against its columns.
 * Throws before any work is done, so bad configuration never produces a half run.
 */
export async function prepareJob(
  config: AppConfig,
  job: JobConfig,
  logger: Logger = silentLogger,
  source?: SourceHandle,
): Promise<{ mapping: CompiledMapping; checked: CheckResult }> {
  const checked = source ? await source.check() : await getConnector(job.source.type).check(job.source.config, { baseDir: config.baseDir, logger });
  const loaded = await loadMapping(job.mapping);
  return { mapping: compileMapping(loaded, { appName: job.appName, ...(checked.columns ? { columns: checked.columns } : {}) }), checked };
}

/** Everything a run needs before it reads: throws (and the run fails, on record) when any part does not answer. */
export async function startPhase(run: JobRun): Promise<Prepared> {
  if (!run.dryRun) await checkPbx(run.client, run.job.retry, { ...run.callOptions, logger: run.logger });
  run.source = await getConnector(run.job.source.type).open(run.job.source.config, { baseDir: run.config.baseDir, logger: run.logger });
  const { mapping, checked } = await prepareJob(run.config, run.job, run.logger, run.source);
  const scope = { pbxKey: pbxKeyOf(run.options.pbxLabel), appName: mapping.appName };
  const state = run.store.contactState(scope);
  const stateBefore = await state.count();
  const table = await loadStateTable(state, stateBefore);
  run.seen.attach(table);
  const incremental = await planIncremental(run.store, run.job.name, mapping, checked, run.full || stateBefore === 0);
  run.openWriter(scope);
  run.logger.info(
    { runId: run.runId, pbx: run.options.pbxLabel, dryRun: run.dryRun, full: run.full, stateBefore, stateTableBytes: table.bytes, since: incremental?.since ?? null },
    "run started",
  );
  return { source: run.source, mapping, checked, scope, state, table, stateBefore, incremental };
}

/** The job's state as one in-memory table, read in one pass over the store. */
async function loadStateTable(state: ContactStateView, expected: number): Promise<StateTable> {
  const table = new StateTable(expected);
  await state.scan((externalId, sourceHash) => table.add(externalId, sourceHash));
  table.freeze();
  return table;
}
