// Reads a scope's whole contact state as (external id, source hash) pairs: what a run's in-memory state table is built from.
import type { Knex } from "knex";
import { allRawRows, isBetterSqlite } from "./sqlite-fast.js";
import { SIZES, STATE_TABLE, clip } from "./tables.js";
import type { StateScope } from "./types.js";

/** Rows per keyset page: a page is held while it is handed over. */
export const SCAN_PAGE = 2_000;

/** Served by the covering index contact_state_scan_idx alone (migration 000009). */
const SQLITE_SCAN = `select external_id, source_hash from ${STATE_TABLE} where pbx_key = ? and app_name = ? and external_id > ? order by external_id limit ${SCAN_PAGE}`;

/** [external_id, source_hash] */
export type ScanRow = [unknown, unknown];

/** Hands every contact of the scope to `onEntry`, in keyset pages ordered by id; returns how many. */
export async function scanSourceHashes(db: Knex, where: StateScope, onEntry: (externalId: string, sourceHash: string) => void): Promise<number> {
  let count = 0;
  for await (const rows of scanPages(db, where)) {
    for (const row of rows) onEntry(String(row[0]), String(row[1]));
    count += rows.length;
  }
  return count;
}

/** The scope's (external id, source hash) pairs, a keyset page at a time, ordered by id. */
export async function* scanPages(db: Knex, where: StateScope): AsyncGenerator<ScanRow[]> {
  const appName = clip(where.appName, SIZES.appName);
  for (let after = ""; ; ) {
    const rows = isBetterSqlite(db) ? ((await allRawRows(db, SQLITE_SCAN, [where.pbxKey, appName, after])) as ScanRow[]) : await page(db, where.pbxKey, appName, after);
    if (rows.length > 0) yield rows;
    if (rows.length < SCAN_PAGE) return;
    after = String(rows[rows.length - 1]?.[0]);
  }
}

async function page(db: Knex, pbxKey: string, appName: string, after: string): Promise<ScanRow[]> {
  const rows = (await db(STATE_TABLE)
    .where({ pbx_key: pbxKey, app_name: appName })
    .andWhere("external_id", ">", after)
    .select("external_id", "source_hash")
    .orderBy("external_id")
    .limit(SCAN_PAGE)) as Array<{ external_id: unknown; source_hash: unknown }>;
  return rows.map((row): ScanRow => [row.external_id, row.source_hash]);
}
