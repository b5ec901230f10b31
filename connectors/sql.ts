// The SQL connector: rows of a query or a table in MySQL/MariaDB, PostgreSQL or SQLite, read in key order a page at a time.
import type { Knex } from "knex";
import { SyncError, isSyncError } from "../src/errors.js";
import { silentLogger } from "../src/logger.js";
import { describeSqlSource, sqlConfigSchema, type SqlConfig } from "./sql-config.js";
import { columnsOf, openDatabase } from "./sql-database.js";
import { incrementalPlan, identityOf, newestChange } from "./sql-incremental.js";
import { baseQuery, nullKeyRows, pagedRows, query } from "./sql-pages.js";
import { defineConnector, type SourceItem } from "./types.js";
import { sqlValue } from "./sql-values.js";

export { sqlConfigSchema, type SqlConfig } from "./sql-config.js";

/** NULL-key rows reported one by one; past this many, one more problem says how the rest were left out. */
export const MAX_NULL_KEY_ROWS = 1000;

export const sqlConnector = defineConnector<SqlConfig>({
  type: "sql",
  configSchema: sqlConfigSchema,
  secrets: (config) => (config.connection?.password ? [config.connection.password] : []),

  /** Connects, runs the SELECT for its columns and for one row, and checks that the key column is among them. */
  async check(config, ctx) {
    const db = await connect(config, ctx.baseDir);
    try {
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
    } finally {
      await db.destroy();
    }
  },

  async *read(config, ctx): AsyncGenerator<SourceItem> {
    const logger = (ctx.logger ?? silentLogger).child({ source: "sql", database: describeSqlSource(config) });
    const db = await connect(config, ctx.baseDir);
    const where = describeSqlSource(config);
    let rows = 0;
    try {
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
      const pages = pagedRows(db, config, plan?.changed ?? base, options);
      for (;;) {
        const next = await guarded(config, `reading failed after ${rows} rows`, () => pages.next());
        if (next.done) break;
        rows++;
        const entry = next.value;
        const ref = `${config.key} ${String(entry.key)}`;
        if (entry.kind === "duplicate-key") {
          yield problem(ref, `${where}: ${config.key} ${String(entry.key)} appears in more than one row; this one was not read`, entry.row);
          continue;
        }
        yield toItem(ref, entry.row, where);
      }
      if (plan?.unchanged) {
        // The rows not changed since: their keys only, so that their contacts are not taken for deleted.
        const keys = pagedRows(db, config, plan.unchanged, { ...options, pageSize: Math.max(options.pageSize, 10_000) });
        for (;;) {
          const next = await guarded(config, `reading the unchanged keys failed after ${rows} rows`, () => keys.next());
          if (next.done) break;
          rows++;
          const entry = next.value;
          const ref = `${config.key} ${String(entry.key)}`;
          if (entry.kind === "duplicate-key") {
            yield problem(ref, `${where}: ${config.key} ${String(entry.key)} appears in more than one row; this one was not read`, entry.row);
            continue;
          }
          yield { kind: "present", ref, fields: { [config.key]: sqlValue(entry.key) } };
        }
      }
      logger.debug({ rows, since: ctx.since ?? null }, "sql source read");
    } finally {
      await db.destroy();
    }
  },
});

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
    fields[column] = typeof converted === "object" && converted !== null ? "" : converted;
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
    fields[column] = converted;
  }
  return { kind: "record", ref, fields };
}
