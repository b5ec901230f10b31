// Incremental reads of an SQL source: the rows changed since a watermark in full, the others as keys alone.
import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { SqlConfig } from "./sql-config.js";
import { query, type BaseQuery } from "./sql-pages.js";
import { sqlValue } from "./sql-values.js";

export interface IncrementalPlan {
  /** The rows to read whole: all of them on a first run, else those changed since the watermark (or with no value). */
  changed: BaseQuery;
  /** The rows read as keys alone; undefined when everything is read whole. */
  unchanged?: BaseQuery;
}

/** Undefined when the source is not incremental. */
export function incrementalPlan(config: SqlConfig, base: BaseQuery, since: string | undefined): IncrementalPlan | undefined {
  const column = config.incremental?.column;
  if (column === undefined) return undefined;
  if (since === undefined) return { changed: base };
  const bindings = { ...base.bindings, __incr: column, __since: since, __pkey: config.key };
  return {
    changed: { sql: `select * from (${base.sql}) pbsync_inc where pbsync_inc.:__incr: >= :__since or pbsync_inc.:__incr: is null`, bindings },
    unchanged: { sql: `select pbsync_inc.:__pkey: from (${base.sql}) pbsync_inc where pbsync_inc.:__incr: < :__since`, bindings },
  };
}

/** The newest value of the change column now, as text (dates come as text from every driver); null for no rows. */
export async function newestChange(db: Knex, config: SqlConfig, base: BaseQuery, timeoutMs: number): Promise<string | null> {
  const sql = `select max(pbsync_src.:__incr:) as newest from (${base.sql}) pbsync_src`;
  const rows = await query(db, config, sql, { ...base.bindings, __incr: config.incremental?.column }, timeoutMs);
  const value = sqlValue(rows[0]?.["newest"]);
  return value === null || typeof value === "object" ? null : String(value);
}

/** What identifies the rows a source reads (client, query or table, key, change column), never the connection. */
export function identityOf(config: SqlConfig): string {
  const { client, query: text, params, table, columns, where, key, incremental } = config;
  const identity = JSON.stringify({ client, query: text, params, table, columns, where, key, incremental });
  return createHash("sha1").update(identity).digest("hex");
}
