// The deletion phase: contacts in state that the source no longer yields, behind guards, then delete_phonebook.
import type { JobConfig } from "../config/index.js";
import { isSyncError, toSyncError, type SyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PbxClient } from "../pbx/index.js";
import type { RunCounts, Store } from "../store/index.js";
import { iterateStateIds, type StateScope } from "../store/state.js";
import type { PlanSink } from "./plan.js";
import { TaskPool } from "./pool.js";
import type { ResultWriter } from "./result-writer.js";
import { FATAL_CODES, withRetry } from "./retry.js";
import type { FingerprintSet } from "./seen-set.js";

export interface DeletionFacts {
  /** Contacts in state for this PBX and app name when the run started. */
  stateBefore: number;
  /** Of those, how many the source yielded in this run. */
  seenInState: number;
  recordsRead: number;
  /** Broken records whose id cannot be told: any of them might be a contact in state. */
  sourceProblems: number;
  /** Set when the source could not be read to the end. */
  readFailure: string | null;
}

export interface DeletionPlan {
  candidates: number;
  /** Why the deletion phase is aborted; null when it may go ahead. */
  guard: string | null;
}

/** Counts the contacts to delete and checks every guard; names the numbers in each message. */
export function planDeletions(facts: DeletionFacts, settings: JobConfig["deletions"], allowMassDelete: boolean): DeletionPlan {
  const candidates = Math.max(0, facts.stateBefore - facts.seenInState);
  const held = (why: string) => ({ candidates, guard: `deletions aborted, nothing deleted: ${why}` });
  if (!settings.enabled || candidates === 0) return { candidates: 0, guard: null };
  if (facts.readFailure !== null) return held(`the source was not read to the end (${facts.readFailure}), so ${candidates} contacts only look vanished`);
  if (facts.sourceProblems > 0) {
    return held(
      `${facts.sourceProblems} source records could not be read far enough to tell their id; any of them may be one of the ${candidates} contacts that look vanished (fix them, see the report)`,
    );
  }
  if (facts.recordsRead === 0) return held(`the source yielded 0 records while ${facts.stateBefore} contacts of this job are on the PBX`);
  if (settings.maxDeletes !== undefined && candidates > settings.maxDeletes) {
    return held(`${candidates} contacts vanished from the source, more than maxDeletes ${settings.maxDeletes}`);
  }
  const ratio = candidates / facts.stateBefore;
  if (ratio > settings.maxDeleteRatio && !allowMassDelete) {
    return held(
      `${candidates} of ${facts.stateBefore} contacts (${percent(ratio)}) vanished from the source, over maxDeleteRatio ${percent(settings.maxDeleteRatio)}; ` +
        "if that is intended, run once with --allow-mass-delete",
    );
  }
  return { candidates, guard: null };
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.01 ? 2 : 1)}%`;
}

export interface DeleteContext {
  store: Store;
  scope: StateScope;
  seen: FingerprintSet;
  job: JobConfig;
  counts: RunCounts;
  logger: Logger;
  client: PbxClient | null;
  writer: ResultWriter;
  plan?: PlanSink;
  signal?: AbortSignal;
  onDeleted?: () => void;
}

/** The contacts in state that the source did not yield, walked in pages. */
async function* vanished(ctx: DeleteContext): AsyncGenerator<string> {
  for await (const id of iterateStateIds(ctx.store.knex, ctx.scope)) if (!ctx.seen.has(id)) yield id;
}

/** Lists the vanished contacts in a dry run's plan. */
export async function planVanished(ctx: DeleteContext): Promise<void> {
  for await (const id of vanished(ctx)) {
    ctx.plan?.entry({ class: "delete", ref: null, externalId: id, name: "", info: "no longer in the source" });
  }
}

/**
 * Deletes each vanished contact with delete_phonebook (app_name + external_contact_id). The state row goes
 * in the same transaction as the "deleted" report row, once the PBX confirms; a contact the PBX no longer
 * has counts as deleted too, so a run killed halfway finishes the job next time. Returns the error that
 * stopped the phase early, if any.
 */
export async function deleteVanished(ctx: DeleteContext): Promise<SyncError | null> {
  const { client, job, counts, writer } = ctx;
  if (!client) return null;
  const appName = ctx.scope.appName;
  const pool = new TaskPool(job.concurrency);
  let stopped: SyncError | null = null;
  for await (const externalId of vanished(ctx)) {
    if (stopped || ctx.signal?.aborted) break;
    await pool.submit(async () => {
      try {
        let info: string | null = null;
        try {
          await withRetry(() => client.deletePhonebook({ appName, externalId }, ctx.signal ? { signal: ctx.signal } : {}), job.retry, {
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          });
        } catch (err) {
          if (!isSyncError(err, "PBX_CONTACT_NOT_FOUND")) throw err;
          info = "already gone from the PBX";
        }
        counts.deleted++;
        await writer.add([{ ref: null, appName, externalId, outcome: "deleted", action: "delete", info }], { deletes: [externalId] });
        ctx.onDeleted?.();
      } catch (err) {
        const error = toSyncError(err);
        counts.errors++;
        if (FATAL_CODES.has(error.code)) stopped ??= error;
        ctx.logger.error({ err: error.toJSON(), externalId }, "delete failed");
        await writer.add([{ ref: null, appName, externalId, outcome: "error", action: "delete", info: `delete failed: ${error.code}: ${error.message}` }]);
      }
    });
  }
  await pool.drain();
  return stopped;
}
