// Queries on `source_refs`: an incremental source's records as last read (ref, version, key), settled by runs that ended well.
import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { RefVersion, SourceRefs } from "../../connectors/types.js";
import { guarded, storeFailed, type StoreTarget } from "./store-error.js";
import { RESULTS_TABLE, SIZES, SOURCE_REFS_TABLE, clip } from "./tables.js";

/** Which source's refs, for which run, and what that run may do with them. */
export interface SourceRefsScope {
  job: string;
  /** The mapping and source hash of the watermark (IncrementalRun.sourceKey). */
  sourceKey: string;
  /** The run reading; null for a dry run that is not recorded. */
  runId: number | null;
  /** False in a dry run: lookups only, nothing written. */
  write: boolean;
  /** False in a full read (--full, or no state yet): every record is read whole, whatever was settled. */
  lookups: boolean;
}

/** Refs per statement: far below SQLite's and MySQL's placeholder limits. */
const CHUNK = 500;
/** Refs per page of `all()`. */
const PAGE = 1_000;
/** The outcomes that leave a record to be read whole again next run. */
const UNSETTLED_OUTCOMES = ["error", "unconfirmed"];

function refHash(ref: string): string {
  return createHash("sha1").update(ref).digest("hex");
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The SourceRefs of one source for one run, on this database. */
export function sourceRefsOf(db: Knex, scope: SourceRefsScope): SourceRefs {
  const where = { job: clip(scope.job, SIZES.job), source_key: scope.sourceKey };
  const runId = scope.runId ?? 0;
  const write = scope.write && scope.runId !== null;
  return {
    async lookup(refs) {
      const found = new Map<string, { version: string; key: string }>();
      for (const part of chunks(refs)) {
        const hashes = part.map(refHash);
        if (write) await db(SOURCE_REFS_TABLE).where(where).whereIn("ref_hash", hashes).update({ listed_run: runId });
        if (!scope.lookups) continue;
        const rows = (await db(SOURCE_REFS_TABLE).where(where).whereIn("ref_hash", hashes).andWhere("settled", true).select("ref", "version", "ref_key")) as Array<{
          ref: string;
          version: string;
          ref_key: string;
        }>;
        for (const row of rows) found.set(String(row.ref), { version: String(row.version), key: String(row.ref_key) });
      }
      return found;
    },
    async remember(entries: readonly RefVersion[]) {
      if (!write) return;
      for (const part of chunks(entries)) {
        const rows = part.map((entry) => ({
          ...where,
          ref_hash: refHash(entry.ref),
          ref: clip(entry.ref, SIZES.sourceRef),
          version: clip(entry.version, SIZES.refVersion),
          ref_key: clip(entry.key, SIZES.externalId),
          run_id: runId,
          settled: false,
          listed_run: runId,
        }));
        await db(SOURCE_REFS_TABLE).insert(rows).onConflict(["job", "source_key", "ref_hash"]).merge(["ref", "version", "ref_key", "run_id", "settled", "listed_run"]);
      }
    },
    async forget(refs) {
      if (!write) return;
      for (const part of chunks(refs)) await db(SOURCE_REFS_TABLE).where(where).whereIn("ref_hash", part.map(refHash)).delete();
    },
    async *all() {
      for (let after = ""; ; ) {
        const rows = (await db(SOURCE_REFS_TABLE)
          .where(where)
          .andWhere("ref_hash", ">", after)
          .orderBy("ref_hash")
          .limit(PAGE)
          .select("ref_hash", "ref", "ref_key")) as Array<{ ref_hash: string; ref: string; ref_key: string }>;
        for (const row of rows) yield { ref: String(row.ref), key: String(row.ref_key) };
        if (rows.length < PAGE) return;
        after = String(rows[rows.length - 1]?.ref_hash);
      }
    },
    async pruneUnlisted(under) {
      if (!write || under?.length === 0) return;
      await db(SOURCE_REFS_TABLE)
        .where(where)
        .andWhereNot("listed_run", runId)
        .andWhere((query) => {
          // Not LIKE: SQLite's ignores case, and "%" and "_" would need escaping on each database its own way.
          for (const prefix of under ?? []) void query.orWhereRaw("substr(ref, 1, ?) = ?", [Array.from(prefix).length, prefix]);
        })
        .delete();
    },
  };
}

/**
 * After a run that ended success or partial: the records it read whole are settled, except those whose contact
 * ended in error or unconfirmed (by ref or by key: the key is the contact's external id); the job's refs under
 * another mapping or source are dropped.
 */
export async function settleSourceRefs(db: Knex, job: string, sourceKey: string, runId: number): Promise<void> {
  const where = { job: clip(job, SIZES.job), source_key: sourceKey, run_id: runId };
  await db.transaction(async (trx) => {
    await trx(SOURCE_REFS_TABLE).where(where).update({ settled: true });
    const failed = () => trx(RESULTS_TABLE).where("run_id", runId).whereIn("outcome", UNSETTLED_OUTCOMES);
    await trx(SOURCE_REFS_TABLE)
      .where(where)
      .andWhere((query) => {
        void query.whereIn("ref", failed().whereNotNull("ref").select("ref")).orWhereIn("ref_key", failed().whereNotNull("uc_external_id").select("uc_external_id"));
      })
      .update({ settled: false });
    await trx(SOURCE_REFS_TABLE).where("job", where.job).andWhereNot("source_key", sourceKey).delete();
  });
}

/** The refs with every driver error as STORE_FAILED (a failed store stops the run; see readFailed). */
export function guardedRefs(refs: SourceRefs, what: string, target: StoreTarget): SourceRefs {
  return {
    lookup: (list) => guarded(what, target, () => refs.lookup(list)),
    remember: (entries) => guarded(what, target, () => refs.remember(entries)),
    forget: (list) => guarded(what, target, () => refs.forget(list)),
    async *all() {
      const rows = refs.all()[Symbol.asyncIterator]();
      while (true) {
        let next: IteratorResult<{ ref: string; key: string }>;
        try {
          next = await rows.next();
        } catch (err) {
          throw storeFailed(what, target, err);
        }
        if (next.done) return;
        yield next.value;
      }
    },
    pruneUnlisted: (under) => guarded(what, target, () => refs.pruneUnlisted(under)),
  };
}
