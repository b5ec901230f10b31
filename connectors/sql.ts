// The SQL connector: rows of a query or a table in MySQL/MariaDB, PostgreSQL or SQLite, read in key order a page at a time.
import type { Knex } from "knex";
import { SyncError, isSyncError } from "../src/errors.js";
import { silentLogger } from "../src/logger.js";
import { describeSqlSource, sqlConfigSchema, type SqlConfig } from "./sql-config.js";
import { columnsOf, openDatabase } from "./sql-database.js";
import { incrementalPlan, identityOf, newestChange } from "./sql-incremental.js";
import { baseQuery, nullKeyRows, pagedRows, query, type PagedRow } from "./sql-pages.js";
import { putField } from "./fields.js";
import { defineConnector, type CheckResult, type ConnectorContext, type SourceItem } from "./types.js";
import { sqlValue } from "./sql-values.js";

export { sqlConfigSchema, type SqlConfig } from "./sql-config.js";

/** NULL-key rows reported one by one; past this many, one more problem says how the rest were left out. */
export const MAX_NULL_KEY_ROWS = 1000;

export const sqlConnector = defineConnector<SqlConfig>({
  type: "sql",
  configSchema: sqlConfigSchema,
  secrets: (config) => (config.connection?.password ? [config.connection.password] : []),

  /** Connects once: check and read share the pool, close ends it. */
  async open(config, ctx) {
    const db = await connect(config, ctx.baseDir);
    let closed: Promise<void> | null = null;
    return {
      check: () => checkSql(db, config),
      read: (options = {}) => readSql(db, config, { ...ctx, ...options }),
      close: () => (closed ??= db.destroy()),
    };
  },
});

/** Runs the SELECT for its columns and for one row, and checks that the key column is among them. */
async function checkSql(db: Knex, config: SqlConfig): Promise<CheckResult> {
  const base = baseQuery(config);
  const columns = await guarded(config, "the query failed", () => columnsOf(db, config, base.sql, base.bindings));
  if (!columns.includes(config.key)) {
    throw new SyncError("SOURCE_SQL", `${describeSqlSource(config)}: the key column "${config.key}" is not among the query's columns (${columns.join(", ")})`, {
      field: "key",
      hint: "Set key to the column that identifies a row, spelled as the SELECT returns it (give a joined column an alias).",
    });
  }
  const column = config.incremental?.column;
  if (column !== undefined && !columns.includes(column)) {
    throw new SyncError("SOURCE_SQL", `${describeSqlSource(config)}: the incremental column "${column}" is not among the query's columns (${columns.join(", ")})`, {
      field: "incremental.column",
      hint: "Name the column the CRM updates on every change (date_modified, write_date), as the SELECT returns it.",
    });
  }
  await guarded(config, "the query failed", () => pagedRows(db, config, base, { pageSize: 1, timeoutMs: timeoutOf(config) }).next());
  return { columns, ...(config.incremental ? { incremental: { keyColumn: config.key, identity: identityOf(config) } } : {}) };
}

async function* readSql(db: Knex, config: SqlConfig, ctx: ConnectorContext): AsyncGenerator<SourceItem> {
  const logger = (ctx.logger ?? silentLogger).child({ source: "sql", database: describeSqlSource(config) });
  const where = describeSqlSource(config);
  const base = baseQuery(config);
  const nulls = await guarded(config, "the query failed", () => nullKeyRows(db, config, base, MAX_NULL_KEY_ROWS + 1, timeoutOf(config)));
  for (const [index, row] of nulls.slice(0, MAX_NULL_KEY_ROWS).entries()) {
    yield problem(`${config.key} NULL #${index + 1}`, `${where}: a row has no ${config.key} (NULL), so it cannot be told apart from the others`, row);
  }
  if (nulls.length > MAX_NULL_KEY_ROWS) {
    yield { kind: "problem", ref: `${config.key} NULL`, code: "SOURCE_SQL", message: `${where}: more than ${MAX_NULL_KEY_ROWS} rows have no ${config.key}; only the first ${MAX_NULL_KEY_ROWS} are listed` };
  }
  const plan = incrementalPlan(config, base, ctx.since);
  if (plan) {
    const newest = await guarded(config, "the query failed", () => newestChange(db, config, base, timeoutOf(config)));
    if (newest !== null) yield { kind: "watermark", value: newest };
  }
  const options = { pageSize: config.pageSize, timeoutMs: timeoutOf(config), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const counter = { rows: 0 };
  yield* walk(config, pagedRows(db, config, plan?.changed ?? base, options), "reading failed", counter, (ref, row) => toItem(ref, row, where));
  if (plan?.unchanged) {
    // The rows not changed since: their keys only, so that their contacts are not taken for deleted.
    const keys = pagedRows(db, config, plan.unchanged, { ...options, pageSize: Math.max(options.pageSize, 10_000) });
    yield* walk(config, keys, "reading the unchanged keys failed", counter, (ref, _row, key) => ({ kind: "present", ref, fields: { [config.key]: sqlValue(key) } }));
  }
  logger.debug({ rows: counter.rows, since: ctx.since ?? null }, "sql source read");
}

/** The items of a keyset walk: each row through `toItem`, a repeated key as a problem; driver errors as SOURCE_SQL. */
async function* walk(
  config: SqlConfig,
  pages: AsyncGenerator<PagedRow>,
  failing: string,
  counter: { rows: number },
  toItem: (ref: string, row: Record<string, unknown>, key: unknown) => SourceItem,
): AsyncGenerator<SourceItem> {
  const where = describeSqlSource(config);
  for (;;) {
    const next = await guarded(config, `${failing} after ${counter.rows} rows`, () => pages.next());
    if (next.done) return;
    counter.rows++;
    const { kind, key, row } = next.value;
    const ref = `${config.key} ${String(key)}`;
    yield kind === "duplicate-key" ? problem(ref, `${where}: ${ref} appears in more than one row; this one was not read`, row) : toItem(ref, row, key);
  }
}

function timeoutOf(config: SqlConfig): number {
  return config.queryTimeoutSeconds * 1000;
}

async function connect(config: SqlConfig, baseDir: string): Promise<Knex> {
  const db = openDatabase(config, baseDir);
  try {
    await guarded(config, "cannot connect", () => query(db, config, "select 1 as one", {}, 30_000));
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

/** Every driver failure as a SOURCE_SQL error naming the database (never the password) and what was being done. */
async function guarded<T>(config: SqlConfig, doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isSyncError(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new SyncError("SOURCE_SQL", `${describeSqlSource(config)}: ${doing}: ${message}`, { cause: err });
  }
}

function problem(ref: string, message: string, row: Record<string, unknown>): SourceItem {
  const fields: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const converted = sqlValue(value);
    putField(fields, column, typeof converted === "object" && converted !== null ? "" : converted);
  }
  return { kind: "problem", ref, code: "SOURCE_SQL", message, fields };
}

/** A row as a record; a value no mapping can read (binary data that is not text) makes the row a problem naming the column. */
function toItem(ref: string, row: Record<string, unknown>, where: string): SourceItem {
  const fields: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const converted = sqlValue(value);
    if (typeof converted === "object" && converted !== null) {
      return problem(ref, `${where}: ${ref}: column "${column}" holds ${converted.unreadable}, which a mapping cannot read: cast it to text in the query, or leave the column out`, row);
    }
    putField(fields, column, converted);
  }
  return { kind: "record", ref, fields };
}
