// The deletion phase: contacts in state that the source no longer yields, behind guards, then delete_phonebook.
import type { JobConfig } from "../../config/index.js";
import { isSyncError, toSyncError } from "../../errors.js";
import type { SentContact, StateEntry } from "../../store/index.js";
import type { JobRun, Prepared } from "../job-run.js";
import { TaskPool } from "../pool.js";
import { FATAL_CODES, withRetry } from "../retry.js";

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

/** The contacts in state that the source did not yield, walked in pages (only they are read whole). */
function vanished(run: JobRun, prepared: Prepared): AsyncIterable<StateEntry> {
  return prepared.state.entries((externalId) => !run.seen.has(externalId));
}

/** The deletion phase: the guards decide, then a dry run lists the vanished contacts and a real run deletes them. */
export async function deletePhase(run: JobRun, prepared: Prepared): Promise<DeletionPlan> {
  const facts = { stateBefore: prepared.stateBefore, seenInState: run.seenInState, recordsRead: run.counts.read, sourceProblems: run.sourceProblems, readFailure: run.readFailure };
  // A halted run read only part of the source: every contact it did not reach would look vanished.
  if (run.halted) return { candidates: 0, guard: null };
  const deletion = planDeletions(facts, run.job.deletions, run.options.allowMassDelete === true);
  if (deletion.guard !== null) {
    await keepVanished(run, prepared, deletion.guard);
    return deletion;
  }
  if (deletion.candidates === 0) return deletion;
  run.planned.delete = deletion.candidates;
  if (run.dryRun) {
    const appName = prepared.scope.appName;
    for await (const entry of vanished(run, prepared)) {
      run.plan?.entry({ class: "delete", ...planned(entry), info: "no longer in the source" });
      // On record when the dry run is: who would be deleted, and what they hold now.
      const { externalId, displayName, pbxId, sent } = entry;
      await run.writer?.add([{ ref: null, appName, externalId, displayName, pbxId, outcome: "deleted", action: "delete", info: "no longer in the source", detail: sent ? { sent } : null }]);
    }
    await run.writer?.flush();
    return deletion;
  }
  run.logger.info({ candidates: deletion.candidates }, "deleting contacts that vanished from the source");
  await deleteVanished(run, prepared);
  await run.writer?.flush();
  return deletion;
}

/** A state entry as a plan names it. */
function planned(entry: StateEntry): { ref: null; externalId: string; name: string; pbxId: string | null; lastSent?: SentContact } {
  return { ref: null, externalId: entry.externalId, name: entry.displayName ?? "", pbxId: entry.pbxId, ...(entry.sent ? { lastSent: entry.sent } : {}) };
}

/**
 * A guard held the deletions back: one `kept` row per contact that would have gone, naming who, so the admin
 * sees who vanished before deciding on --allow-mass-delete. The state stays as it is.
 */
async function keepVanished(run: JobRun, prepared: Prepared, guard: string): Promise<void> {
  const appName = prepared.scope.appName;
  for await (const entry of vanished(run, prepared)) {
    if (run.halted) return;
    run.counts.kept++;
    run.plan?.entry({ class: "keep", ...planned(entry), info: guard });
    const detail = entry.sent ? { sent: entry.sent } : null;
    await run.writer?.add([{ ref: null, appName, externalId: entry.externalId, displayName: entry.displayName, pbxId: entry.pbxId, outcome: "kept", info: guard, detail }]);
  }
  await run.writer?.flush();
}

/**
 * Deletes each vanished contact with delete_phonebook (app_name + external_contact_id). The state row goes
 * in the same transaction as the "deleted" report row, once the PBX confirms; a contact the PBX no longer
 * has counts as deleted too, so a run killed halfway finishes the job next time. A fatal PBX error stops the run.
 */
async function deleteVanished(run: JobRun, prepared: Prepared): Promise<void> {
  const { job, counts } = run;
  const writer = run.writer;
  if (!writer) return;
  const appName = prepared.scope.appName;
  const pool = new TaskPool(job.concurrency);
  const cancel = run.options.cancel;
  const deleteOne = async ({ externalId, displayName, pbxId, sent }: StateEntry): Promise<void> => {
    // Who was deleted, as the PBX last confirmed them (state written before names were kept has none).
    const who = { displayName, pbxId, detail: sent ? { sent } : null };
    let info: string | null = null;
    try {
      await withRetry(() => run.client.deletePhonebook({ appName, externalId }, run.callOptions), job.retry, cancel ? { signal: cancel } : {});
    } catch (err) {
      if (!isSyncError(err, "PBX_CONTACT_NOT_FOUND")) {
        const error = toSyncError(err);
        counts.errors++;
        if (FATAL_CODES.has(error.code)) run.stop(error);
        run.logger.error({ err: error.toJSON(), externalId }, "delete failed");
        await writer.add([{ ref: null, appName, externalId, ...who, outcome: "error", action: "delete", info: `delete failed: ${error.code}: ${error.message}` }]);
        return;
      }
      info = "already gone from the PBX";
    }
    // Counted once the PBX confirmed; the writer never throws, so a store failure cannot count it twice.
    counts.deleted++;
    await writer.add([{ ref: null, appName, externalId, ...who, outcome: "deleted", action: "delete", info }], { deletes: [externalId] });
    run.progress.update(run.snapshot("deleting"));
  };
  for await (const entry of vanished(run, prepared)) {
    if (run.halted) break;
    await pool.submit(() => deleteOne(entry));
  }
  await pool.drain();
}
