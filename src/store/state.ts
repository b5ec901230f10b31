// Queries on `contact_state`: batched lookups by external id, confirmed upserts and deletions, keyset walks.
import { parseStoredObject } from "./detail.js";
import type { Knex } from "knex";
import { allRows, isBetterSqlite, runEach } from "./sqlite-fast.js";
import { scanPages } from "./state-scan.js";
import { SIZES, STATE_TABLE, clip } from "./tables.js";
import type { ContactState, SentContact, StateChanges, StateEntry, StateScope, StateUpsert } from "./types.js";

export type { ContactState, StateScope, StateUpsert } from "./types.js";

/** Ids per IN (...) list: far below SQLite's and MySQL's placeholder limits. */
export const LOOKUP_CHUNK = 500;
const WRITE_CHUNK = 200;

function scope(db: Knex | Knex.Transaction, where: StateScope) {
  return db(STATE_TABLE).where({ pbx_key: where.pbxKey, app_name: clip(where.appName, SIZES.appName) });
}

const LOOKUP_COLUMNS = ["external_id", "pbx_id", "contact_hash", "source_hash", "last_run_id"] as const;

/** The lookup's SQL for n ids (the same text for the same n, so its prepared statement is reused). */
function lookupSql(n: number): string {
  return `select ${LOOKUP_COLUMNS.join(", ")} from ${STATE_TABLE} where pbx_key = ? and app_name = ? and external_id in (${new Array<string>(n).fill("?").join(", ")})`;
}

/** Statement sizes: a chunk is padded up to one of these, so a run prepares at most four lookups. */
const BUCKETS = [1, 8, 64, LOOKUP_CHUNK];

function bucketOf(n: number): number {
  return BUCKETS.find((size) => size >= n) ?? n;
}

/** The ids repeated up to their bucket's size: a repeated id in IN (...) matches nothing more. */
function padded(ids: readonly string[]): readonly string[] {
  const size = bucketOf(ids.length);
  if (size === ids.length || ids.length === 0) return ids;
  return [...ids, ...new Array<string>(size - ids.length).fill(ids[0] ?? "")];
}

/** The state of these external ids, one query per LOOKUP_CHUNK ids; ids without state are absent. */
export async function lookupState(db: Knex, where: StateScope, ids: readonly string[]): Promise<Map<string, ContactState>> {
  const found = new Map<string, ContactState>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK);
    const rows = (
      isBetterSqlite(db)
        ? await allRows(db, lookupSql(bucketOf(chunk.length)), [where.pbxKey, clip(where.appName, SIZES.appName), ...padded(chunk)])
        : await scope(db, where).whereIn("external_id", chunk).select(...LOOKUP_COLUMNS)
    ) as Array<Record<string, unknown>>;
    for (const row of rows) {
      const externalId = String(row["external_id"]);
      found.set(externalId, {
        externalId,
        pbxId: row["pbx_id"] == null ? null : String(row["pbx_id"]),
        contactHash: String(row["contact_hash"]),
        sourceHash: String(row["source_hash"]),
        lastRunId: Number(row["last_run_id"]),
      });
    }
  }
  return found;
}

export async function countState(db: Knex, where: StateScope): Promise<number> {
  const row = (await scope(db, where).count({ n: "*" }).first()) as { n?: unknown } | undefined;
  return Number(row?.n ?? 0);
}

/** Every contact in state, in pages ordered by id, so a walk never holds them all. */
export async function* iterateStateEntries(db: Knex, where: StateScope, pageSize = 1000): AsyncGenerator<StateEntry> {
  let after: string | null = null;
  for (;;) {
    const query = scope(db, where).select(...ENTRY_COLUMNS).orderBy("external_id").limit(pageSize);
    if (after !== null) query.where("external_id", ">", after);
    const rows = (await query) as EntryRow[];
    for (const row of rows) yield toEntry(row);
    if (rows.length < pageSize) return;
    after = String(rows[rows.length - 1]?.external_id);
  }
}

/**
 * The contacts in state whose id `keep` takes, in id order. Ids are walked from the covering index alone; only the
 * kept ones are read whole (their `sent` text parsed): the deletion phase of a run in which 0.5% vanished reads
 * 5,000 rows of a million, not all of them.
 */
export async function* iterateStateEntriesWhere(db: Knex, where: StateScope, keep: (externalId: string) => boolean): AsyncGenerator<StateEntry> {
  for await (const page of scanPages(db, where)) {
    const ids = page.map((row) => String(row[0])).filter(keep);
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = (await scope(db, where).whereIn("external_id", ids.slice(i, i + LOOKUP_CHUNK)).select(...ENTRY_COLUMNS).orderBy("external_id")) as EntryRow[];
      for (const row of rows) yield toEntry(row);
    }
  }
}

const ENTRY_COLUMNS = ["external_id", "display_name", "pbx_id", "sent"] as const;
type EntryRow = { external_id: unknown; display_name: unknown; pbx_id: unknown; sent: unknown };

function toEntry(row: EntryRow): StateEntry {
  return {
    externalId: String(row.external_id),
    displayName: row.display_name == null ? null : String(row.display_name),
    pbxId: row.pbx_id == null ? null : String(row.pbx_id),
    sent: parseSent(row.sent),
  };
}

/** A stored `sent` text as written; one that does not parse (edited by hand) reads as none. */
export function parseSent(value: unknown): SentContact | null {
  return parseStoredObject<SentContact>(value);
}

/** The contacts of these ids as last confirmed, one query per LOOKUP_CHUNK ids. */
export async function lookupSent(db: Knex, where: StateScope, ids: readonly string[]): Promise<Map<string, SentContact>> {
  const found = new Map<string, SentContact>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const rows = (await scope(db, where)
      .whereIn("external_id", ids.slice(i, i + LOOKUP_CHUNK))
      .whereNotNull("sent")
      .select("external_id", "sent")) as Array<{ external_id: unknown; sent: unknown }>;
    for (const row of rows) {
      const sent = parseSent(row.sent);
      if (sent) found.set(String(row.external_id), sent);
    }
  }
  return found;
}

/** Writes what the PBX confirmed (insert or overwrite), inside the caller's transaction. */
const UPSERT_COLUMNS = ["pbx_key", "app_name", "external_id", "pbx_id", "contact_hash", "source_hash", "last_run_id", "confirmed_at", "display_name", "sent"] as const;
const SQLITE_UPSERT =
  `INSERT INTO ${STATE_TABLE} (${UPSERT_COLUMNS.join(", ")}) VALUES (${UPSERT_COLUMNS.map(() => "?").join(", ")}) ` +
  "ON CONFLICT (pbx_key, app_name, external_id) DO UPDATE SET pbx_id = excluded.pbx_id, contact_hash = excluded.contact_hash, " +
  "source_hash = excluded.source_hash, last_run_id = excluded.last_run_id, confirmed_at = excluded.confirmed_at, display_name = excluded.display_name, sent = excluded.sent";
const SQLITE_REFRESH = `UPDATE ${STATE_TABLE} SET source_hash = ? WHERE pbx_key = ? AND app_name = ? AND external_id = ?`;
const SQLITE_DELETE = `DELETE FROM ${STATE_TABLE} WHERE pbx_key = ? AND app_name = ? AND external_id = ?`;

export async function upsertState(trx: Knex.Transaction, where: StateScope, runId: number, rows: readonly StateUpsert[]): Promise<void> {
  const now = new Date().toISOString();
  const appName = clip(where.appName, SIZES.appName);
  if (isBetterSqlite(trx)) {
    const pbxId = (row: StateUpsert) => (row.pbxId === null ? null : clip(row.pbxId, SIZES.pbxId));
    await runEach(trx, SQLITE_UPSERT, rows.map((row) => [where.pbxKey, appName, row.externalId, pbxId(row), row.contactHash, row.sourceHash, runId, now, nameOf(row), sentOf(row)]));
    return;
  }
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const records = rows.slice(i, i + WRITE_CHUNK).map((row) => ({
      pbx_key: where.pbxKey,
      app_name: clip(where.appName, SIZES.appName),
      external_id: row.externalId,
      pbx_id: row.pbxId === null ? null : clip(row.pbxId, SIZES.pbxId),
      contact_hash: row.contactHash,
      source_hash: row.sourceHash,
      last_run_id: runId,
      confirmed_at: now,
      display_name: nameOf(row),
      sent: sentOf(row),
    }));
    await trx(STATE_TABLE)
      .insert(records)
      .onConflict(["pbx_key", "app_name", "external_id"])
      .merge(["pbx_id", "contact_hash", "source_hash", "last_run_id", "confirmed_at", "display_name", "sent"]);
  }
}

function sentOf(row: StateUpsert): string | null {
  return row.sent ? JSON.stringify(row.sent) : null;
}

function nameOf(row: StateUpsert): string | null {
  return row.displayName ? clip(row.displayName, SIZES.displayName) : null;
}

/** A record changed but maps to the contact the PBX already has: only the source hash moves. */
export async function refreshSourceHashes(
  trx: Knex.Transaction,
  where: StateScope,
  rows: ReadonlyArray<{ externalId: string; sourceHash: string }>,
): Promise<void> {
  if (isBetterSqlite(trx)) {
    // The first run after an upgrade refreshes every contact's source hash: one prepared statement, not a query built per row.
    const appName = clip(where.appName, SIZES.appName);
    await runEach(trx, SQLITE_REFRESH, rows.map((row) => [row.sourceHash, where.pbxKey, appName, row.externalId]));
    return;
  }
  for (const row of rows) await scope(trx, where).where({ external_id: row.externalId }).update({ source_hash: row.sourceHash });
}

/** Drops the state of contacts the PBX deleted, inside the caller's transaction. */
export async function deleteState(trx: Knex.Transaction, where: StateScope, ids: readonly string[]): Promise<void> {
  if (isBetterSqlite(trx)) {
    const appName = clip(where.appName, SIZES.appName);
    await runEach(trx, SQLITE_DELETE, ids.map((id) => [where.pbxKey, appName, id]));
    return;
  }
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) await scope(trx, where).whereIn("external_id", ids.slice(i, i + LOOKUP_CHUNK)).delete();
}

/** Applies a results call's state changes inside its transaction. */
export async function applyStateChanges(trx: Knex.Transaction, runId: number, changes: StateChanges): Promise<void> {
  const { scope: where, upserts, refreshes, deletes } = changes;
  if (upserts && upserts.length > 0) await upsertState(trx, where, runId, upserts);
  if (refreshes && refreshes.length > 0) await refreshSourceHashes(trx, where, refreshes);
  if (deletes && deletes.length > 0) await deleteState(trx, where, deletes);
}
