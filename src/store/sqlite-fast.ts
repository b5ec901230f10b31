// SQLite's hot writes through one cached prepared statement per row shape, inside the caller's knex transaction.
import type { Knex } from "knex";

interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  raw(toggle: boolean): Statement;
}
interface RawSqlite {
  prepare(sql: string): Statement;
}

/** Statements per connection: preparing a 2,000-placeholder INSERT per batch cost more than the inserts did. */
const statements = new WeakMap<object, Map<string, Statement>>();

/** True for the better-sqlite3 store, where rows are written one prepared statement at a time. */
export function isBetterSqlite(db: Knex | Knex.Transaction): boolean {
  return (db.client as { driverName?: unknown }).driverName === "better-sqlite3";
}

/**
 * Runs `sql` once per parameter list on the transaction's own connection. better-sqlite3 is synchronous and
 * knex gives a transaction one connection, so this is the same transaction the caller's other writes are in.
 */
export async function runEach(trx: Knex.Transaction, sql: string, rows: Iterable<readonly unknown[]>): Promise<void> {
  const connection = (await (trx.client as { acquireConnection(): Promise<unknown> }).acquireConnection()) as RawSqlite;
  const statement = prepared(connection, sql);
  for (const params of rows) statement.run(...params);
}

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * A read through a cached prepared statement on a pooled connection: the state lookups of a no-change run
 * are one per 500 records, and knex's query building and preparing each one anew cost more than the read.
 */
export async function allRows(db: Knex, sql: string, params: readonly unknown[]): Promise<unknown[]> {
  return pooled(db, (connection) => prepared(connection, sql).all(...params));
}

/** allRows with each row as an array of its columns: no object per row, for the scan of a whole state (a third faster). */
export async function allRawRows(db: Knex, sql: string, params: readonly unknown[]): Promise<unknown[][]> {
  return pooled(db, (connection) => prepared(connection, sql, true).all(...params) as unknown[][]);
}

async function pooled<T>(db: Knex, use: (connection: RawSqlite) => T): Promise<T> {
  const client = db.client as PoolClient;
  const connection = (await client.acquireConnection()) as RawSqlite;
  try {
    return use(connection);
  } finally {
    await client.releaseConnection(connection);
  }
}

function prepared(connection: RawSqlite, sql: string, raw = false): Statement {
  const key = raw ? `raw:${sql}` : sql;
  let cache = statements.get(connection);
  if (!cache) {
    cache = new Map();
    statements.set(connection, cache);
  }
  let statement = cache.get(key);
  if (!statement) {
    statement = raw ? connection.prepare(sql).raw(true) : connection.prepare(sql);
    cache.set(key, statement);
  }
  return statement;
}
