// Reads a SELECT in pages ordered by its key column (a keyset walk): memory holds one page, whatever the table's size.
import type { Knex } from "knex";
import type { SqlConfig } from "./sql-config.js";
import { sqlForKnex } from "./sql-text.js";

export interface BaseQuery {
  sql: string;
  bindings: Record<string, unknown>;
}

/**
 * The rows to read as one SELECT: the configured query, or one built from table, columns and where. The source's
 * own text is escaped for knex (sql-text.ts) and ends in a line break, so that a `--` comment at its end stops
 * before the SQL the connector wraps around it.
 */
export function baseQuery(config: SqlConfig): BaseQuery {
  if (config.query) {
    const sql = sqlForKnex(config.query.replace(/[\s;]+$/, ""), config.client, new Set(Object.keys(config.params)));
    return { sql: `${sql}\n`, bindings: { ...config.params } };
  }
  const bindings: Record<string, unknown> = { __table: config.table };
  const columns = config.columns ? config.columns.map((column, i) => ((bindings[`__c${i}`] = column), `:__c${i}:`)).join(", ") : "*";
  const where = config.where ? ` where ${sqlForKnex(config.where, config.client, new Set())}\n` : "";
  return { sql: `select ${columns} from :__table:${where}`, bindings };
}

export type PagedRow = { kind: "row"; row: Record<string, unknown>; key: unknown } | { kind: "duplicate-key"; row: Record<string, unknown>; key: unknown };

export interface PageOptions {
  pageSize: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * The base query's rows with a non-NULL key, in key order, a page at a time. Each page first asks the database for
 * its upper bound (the key `pageSize` rows on), then reads the rows with keys above the last bound up to and
 * including this one. Both comparisons are the database's own, so keys its collation takes for equal ("abc" and
 * "ABC" under a case-insensitive one) land in one page: none is lost, read twice or read forever. A row whose key
 * equals the one before it comes out as a duplicate.
 */
export async function* pagedRows(db: Knex, config: SqlConfig, base: BaseQuery, options: PageOptions): AsyncGenerator<PagedRow> {
  let after: unknown = undefined;
  let previous: unknown = undefined;
  for (;;) {
    if (options.signal?.aborted) throw new Error("reading was cancelled");
    const from = after === undefined ? "" : " and pbsync_src.:__key: > :__after";
    const bindings = { ...base.bindings, __key: config.key, __after: after };
    const boundSql = `select pbsync_src.:__key: as pbsync_bound from (${base.sql}) pbsync_src where pbsync_src.:__key: is not null${from} order by pbsync_src.:__key: limit 1 offset :__offset`;
    const bound = await query(db, config, boundSql, { ...bindings, __offset: options.pageSize - 1 }, options.timeoutMs);
    const upto = bound[0]?.["pbsync_bound"];
    const last = bound.length === 0;
    const to = last ? "" : " and pbsync_src.:__key: <= :__upto";
    const sql = `select * from (${base.sql}) pbsync_src where pbsync_src.:__key: is not null${from}${to} order by pbsync_src.:__key:`;
    const rows = await query(db, config, sql, { ...bindings, __upto: upto }, options.timeoutMs);
    for (const row of rows) {
      const key = row[config.key];
      if (previous !== undefined && sameKey(key, previous)) yield { kind: "duplicate-key", row, key };
      else yield { kind: "row", row, key };
      previous = key;
    }
    if (last) return;
    after = upto;
  }
}

/** Rows whose key is NULL (at most `limit`): they cannot be paged or referred to, and are reported instead. */
export async function nullKeyRows(db: Knex, config: SqlConfig, base: BaseQuery, limit: number, timeoutMs: number): Promise<Array<Record<string, unknown>>> {
  const sql = `select * from (${base.sql}) pbsync_src where pbsync_src.:__key: is null limit :__limit`;
  return query(db, config, sql, { ...base.bindings, __key: config.key, __limit: limit }, timeoutMs);
}

function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a != null && b != null && String(a) === String(b));
}

/** Runs a SELECT with named bindings and returns its rows, whatever the driver's result shape. */
export async function query(db: Knex, config: SqlConfig, sql: string, bindings: Record<string, unknown>, timeoutMs: number): Promise<Array<Record<string, unknown>>> {
  const raw = db.raw(sql, bindings as Knex.ValueDict);
  const result = (await (config.client === "sqlite" ? raw : raw.timeout(timeoutMs, { cancel: config.client === "mysql" }))) as unknown;
  if (config.client === "mysql") return (result as [Array<Record<string, unknown>>])[0];
  if (config.client === "pg") return (result as { rows: Array<Record<string, unknown>> }).rows;
  return result as Array<Record<string, unknown>>;
}
