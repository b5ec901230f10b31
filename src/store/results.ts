// Queries on `contact_results`: ordered multi-row writes, keyset-paged reads, counts by outcome.
import { parseStoredObject } from "./detail.js";
import type { Knex } from "knex";
import { SyncError } from "../errors.js";
import { redact } from "../redact.js";
import { isBetterSqlite, runEach } from "./sqlite-fast.js";
import { RESULTS_TABLE, RUNS_TABLE, SIZES, clip, clipOrNull } from "./tables.js";
import { OUTCOMES, type ContactResultInput, type ContactResultRow, type Outcome, type ResultDetail, type ResultsFilter } from "./types.js";

/** Rows read per query while streaming results. */
export const RESULTS_PAGE_SIZE = 1000;
/** Rows per INSERT: 11 columns each keeps a statement far below every driver's placeholder limit. */
export const INSERT_CHUNK_SIZE = 200;

const ACTIONS = new Set(["insert", "update", "delete"]);
const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);

function toRecord(runId: number, seq: number, row: ContactResultInput): Record<string, unknown> {
  if (!OUTCOME_SET.has(row.outcome)) {
    throw new SyncError("INTERNAL", `result ${row.ref ?? `#${seq}`} of run ${runId} has an unknown outcome "${String(row.outcome)}"`);
  }
  if (row.action != null && !ACTIONS.has(row.action)) {
    throw new SyncError("INTERNAL", `result ${row.ref ?? `#${seq}`} of run ${runId} has an unknown action "${String(row.action)}"`);
  }
  return {
    run_id: runId,
    seq,
    ref: clipOrNull(row.ref, SIZES.ref),
    uc_app_name: clip(row.appName, SIZES.appName),
    uc_external_id: clipOrNull(row.externalId, SIZES.externalId),
    display_name: clipOrNull(row.displayName, SIZES.displayName),
    outcome: row.outcome,
    action: row.action ?? null,
    pbx_id: clipOrNull(row.pbxId, SIZES.pbxId),
    // PBX answers and error texts end up here: mask a registered secret before it reaches a report.
    info: clipOrNull(row.info == null ? null : redact(row.info), SIZES.info),
    // Contact values, not secrets; never clipped (a clipped JSON text would not parse back).
    detail: row.detail == null ? null : JSON.stringify(row.detail),
  };
}

/** A stored detail as written; a text that does not parse (edited by hand) reads as none. */
export function parseDetail(value: unknown): ResultDetail | null {
  return parseStoredObject<ResultDetail>(value);
}

export function toResultRow(record: Record<string, unknown>): ContactResultRow {
  const text = (value: unknown) => (value == null ? null : String(value));
  return {
    id: Number(record["id"]),
    runId: Number(record["run_id"]),
    seq: Number(record["seq"]),
    ref: text(record["ref"]),
    appName: String(record["uc_app_name"]),
    externalId: text(record["uc_external_id"]),
    displayName: text(record["display_name"]),
    outcome: String(record["outcome"]) as Outcome,
    action: text(record["action"]) as ContactResultRow["action"],
    pbxId: text(record["pbx_id"]),
    info: text(record["info"]),
    detail: parseDetail(record["detail"]),
  };
}

/**
 * Writes rows in one transaction; `seq` continues from the run's last row, so calls made one after another
 * keep their order. `seqs` remembers each run's last seq between calls: finding it with MAX(seq) on every
 * call made a large run's writes quadratic.
 */
export async function insertResults(
  db: Knex,
  runId: number,
  rows: readonly ContactResultInput[],
  alsoInTransaction?: (trx: Knex.Transaction) => Promise<void>,
  seqs?: Map<number, number>,
): Promise<void> {
  if (rows.length === 0 && !alsoInTransaction) return;
  const end = await db.transaction(async (trx) => {
    // Write first: SQLite then takes its write lock at once (waiting out the busy timeout) instead of failing
    // when another process wrote after this transaction's first read; MySQL locks the run's row, so two
    // processes recording for one run still number their rows one after the other.
    // A non-key column: setting the key (even to itself) made SQLite check every child row of the run for the
    // foreign key, 70 ms a call on a run of 1,000,000 rows.
    await trx(RUNS_TABLE).where({ id: runId }).update({ pid: trx.ref("pid") });
    const run = (await trx(RUNS_TABLE).select("id").where({ id: runId }).first()) as unknown;
    if (!run) throw new SyncError("RUN_NOT_FOUND", `run ${runId} is not in the store: cannot record its results`);
    let start = seqs?.get(runId);
    if (start === undefined) {
      const last = (await trx(RESULTS_TABLE).where({ run_id: runId }).max({ seq: "seq" }).first()) as { seq?: unknown } | undefined;
      start = last?.seq == null ? 0 : Number(last.seq);
    }
    const records = rows.map((row, index) => toRecord(runId, start + index + 1, row));
    if (records.length > 0 && isBetterSqlite(trx)) {
      const columns = Object.keys(records[0] as object);
      const sql = `INSERT INTO ${RESULTS_TABLE} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
      await runEach(trx, sql, records.map((record) => columns.map((column) => record[column] ?? null)));
    } else if (records.length > 0) await db.batchInsert(RESULTS_TABLE, records, INSERT_CHUNK_SIZE).transacting(trx);
    // Contact state moves with the report rows that justify it: both are written, or neither.
    if (alsoInTransaction) await alsoInTransaction(trx);
    return start + records.length;
  });
  // Known only once committed: a rolled-back chunk must not move the numbering on.
  seqs?.set(runId, end);
}

/** Streams a run's rows in recorded order: pages of RESULTS_PAGE_SIZE, each starting after the last id seen. */
export async function* iterateResults(db: Knex, runId: number, filter: ResultsFilter = {}): AsyncGenerator<ContactResultRow> {
  const outcomes = filter.outcomes;
  if (outcomes !== undefined && outcomes.length === 0) return;
  let remaining = filter.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(filter.limit));
  let skip = filter.offset === undefined ? 0 : Math.max(0, Math.floor(filter.offset));
  let lastId = 0;
  while (remaining > 0) {
    const size = Math.min(RESULTS_PAGE_SIZE, remaining);
    const query = db(RESULTS_TABLE).select("*").where("run_id", runId).andWhere("id", ">", lastId).orderBy("id", "asc").limit(size);
    if (outcomes !== undefined) query.whereIn("outcome", [...outcomes]);
    // The offset applies once, to the first page; after that the last id seen carries on.
    if (skip > 0) query.offset(skip);
    skip = 0;
    const records = (await query) as Record<string, unknown>[];
    for (const record of records) {
      const row = toResultRow(record);
      lastId = row.id;
      yield row;
    }
    remaining -= records.length;
    if (records.length < size) return;
  }
}

export async function countByOutcome(db: Knex, runId: number): Promise<Record<Outcome, number>> {
  const counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
  const records = (await db(RESULTS_TABLE).select("outcome").count({ n: "*" }).where({ run_id: runId }).groupBy("outcome")) as Array<{
    outcome: unknown;
    n: unknown;
  }>;
  for (const record of records) {
    const outcome = String(record.outcome);
    if (OUTCOME_SET.has(outcome)) counts[outcome as Outcome] = Number(record.n);
  }
  return counts;
}
