// The Store object: the run and result queries behind one interface, every driver error as STORE_FAILED.
import type { Knex } from "knex";
import { SyncError } from "../errors.js";
import { contactHistory, contactStanding, listJobs, queryResults } from "./report-queries.js";
import { countByOutcome, insertResults, iterateResults } from "./results.js";
import { abortInterruptedRuns, finishRun, findRun, insertRun, lastRun, latestRun, listRuns, updateCounts } from "./runs.js";
import { applyStateChanges, countState, iterateStateEntries, iterateStateEntriesWhere, lookupSent, lookupState } from "./state.js";
import { guarded, storeFailed, type StoreTarget } from "./store-error.js";
import { storeLocks } from "./store-locks.js";
import { scanSourceHashes } from "./state-scan.js";
import type { ContactResultInput, ContactResultRow, ContactStateView, ResultsFilter, StateChanges, StateEntry, StateScope, Store } from "./types.js";
import { readWatermark, writeWatermark } from "./watermarks.js";
import { guardedRefs, settleSourceRefs, sourceRefsOf } from "./source-refs.js";

/** The store as opened: the Store interface, plus the knex handle for the store's own tests and tools. */
export interface SqlStore extends Store {
  readonly knex: Knex;
}

function checkRunId(runId: number): void {
  if (!Number.isSafeInteger(runId) || runId <= 0) throw new SyncError("RUN_NOT_FOUND", `run id must be a whole number > 0, got ${String(runId)}`);
}

/** Wraps an open, migrated knex instance. */
export function createStore(db: Knex, target: StoreTarget): SqlStore {
  /** One chain per run: recordResults calls for a run write one after another, so seq follows call order. */
  const writes = new Map<number, Promise<void>>();
  /** The last seq written per run by this process (the job lock keeps other processes off the run). */
  const seqs = new Map<number, number>();
  let closed: Promise<void> | null = null;
  const locks = storeLocks(db, target);

  async function* results(runId: number, filter?: ResultsFilter): AsyncGenerator<ContactResultRow> {
    checkRunId(runId);
    const rows = iterateResults(db, runId, filter);
    while (true) {
      let next: IteratorResult<ContactResultRow>;
      try {
        next = await rows.next();
      } catch (err) {
        throw storeFailed(`cannot read the results of run ${runId}`, target, err);
      }
      if (next.done) return;
      yield next.value;
    }
  }

  /** Driver errors of a walk as STORE_FAILED, at the step that failed. */
  async function* stateEntries(scope: StateScope, keep?: (externalId: string) => boolean): AsyncGenerator<StateEntry> {
    const ids = keep ? iterateStateEntriesWhere(db, scope, keep) : iterateStateEntries(db, scope);
    while (true) {
      let next: IteratorResult<StateEntry>;
      try {
        next = await ids.next();
      } catch (err) {
        throw storeFailed(`cannot list the contact state of ${scope.appName}`, target, err);
      }
      if (next.done) return;
      yield next.value;
    }
  }

  function contactState(scope: StateScope): ContactStateView {
    return {
      count: () => guarded(`cannot count the contact state of ${scope.appName}`, target, () => countState(db, scope)),
      lookup: (ids) => guarded(`cannot read the contact state of ${scope.appName}`, target, () => lookupState(db, scope, ids)),
      entries: (keep) => stateEntries(scope, keep),
      scan: (onEntry) => guarded(`cannot read the contact state of ${scope.appName}`, target, () => scanSourceHashes(db, scope, onEntry)),
      sent: (ids) => guarded(`cannot read the contact state of ${scope.appName}`, target, () => lookupSent(db, scope, ids)),
    };
  }

  return {
    knex: db,
    location: target.location,

    createRun: (input) => guarded(`cannot record a new run of job "${input.job}"`, target, () => insertRun(db, input)),

    recordResults(runId: number, rows: readonly ContactResultInput[], state?: StateChanges): Promise<void> {
      try {
        checkRunId(runId);
      } catch (err) {
        return Promise.reject(err);
      }
      const previous = writes.get(runId) ?? Promise.resolve();
      const write = previous
        .catch(() => undefined)
        .then(() => guarded(`cannot record ${rows.length} results of run ${runId}`, target, () => insertResults(db, runId, rows, state && ((trx) => applyStateChanges(trx, runId, state)), seqs)));
      const settled = write.catch(() => undefined);
      writes.set(runId, settled);
      void settled.then(() => {
        if (writes.get(runId) === settled) writes.delete(runId);
      });
      return write;
    },

    updateRunCounts: (runId, counts) => guarded(`cannot update the counts of run ${runId}`, target, () => updateCounts(db, runId, counts)),

    finishRun: (runId, result) => guarded(`cannot finish run ${runId}`, target, () => finishRun(db, runId, result)),

    listRuns: (filter) => guarded("cannot list runs", target, () => listRuns(db, filter)),

    getRun: (id) => guarded(`cannot read run ${id}`, target, () => findRun(db, id)),

    latestRun: (job) => guarded(job === undefined ? "cannot read the latest run" : `cannot read the latest run of job "${job}"`, target, () => latestRun(db, job)),

    results,

    contactState,

    readWatermark: (job, sourceKey) => guarded(`cannot read the watermark of job "${job}"`, target, () => readWatermark(db, job, sourceKey)),

    writeWatermark: (job, sourceKey, value, runId) =>
      guarded(`cannot record the watermark of job "${job}"`, target, () => writeWatermark(db, job, sourceKey, value, runId)),

    sourceRefs: (scope) => guardedRefs(sourceRefsOf(db, scope), `cannot read or write the source refs of job "${scope.job}"`, target),

    settleSourceRefs: (job, sourceKey, runId) =>
      guarded(`cannot settle the source refs of run ${runId}`, target, () => settleSourceRefs(db, job, sourceKey, runId)),

    lastRun: (job, filter) => guarded(`cannot read the last runs of job "${job}"`, target, () => lastRun(db, job, filter)),

    ping: () => guarded("the store does not answer", target, async () => void (await db.raw("select 1"))),

    queryResults: (runId, query) => {
      checkRunId(runId);
      return guarded(`cannot read the results of run ${runId}`, target, () => queryResults(db, runId, query));
    },

    contactHistory: (appName, externalId, limit) =>
      guarded(`cannot read the history of contact ${externalId}`, target, () => contactHistory(db, appName, externalId, limit)),

    contactStanding: (appName, externalId) =>
      guarded(`cannot read the state of contact ${externalId}`, target, () => contactStanding(db, appName, externalId)),

    listJobs: () => guarded("cannot list jobs", target, () => listJobs(db)),

    countResults: (runId) => guarded(`cannot count the results of run ${runId}`, target, () => countByOutcome(db, runId)),

    acquireJobLock: locks.acquireJobLock,

    abortInterruptedRuns: (job, reason) => guarded(`cannot mark the interrupted runs of job "${job}"`, target, () => abortInterruptedRuns(db, job, reason)),

    close(): Promise<void> {
      closed ??= Promise.allSettled([...writes.values()])
        .then(() => locks.releaseAll())
        .then(() => guarded("cannot close the store", target, () => db.destroy()));
      return closed;
    },
  };
}
