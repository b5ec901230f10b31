// Connections of the SQL source: a knex instance per read, with every driver told to hand dates over as text.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import { SyncError } from "../src/errors.js";
import { describeSqlSource, type SqlConfig } from "./sql-config.js";
import { pgPositionBindings } from "./sql-text.js";

/** PostgreSQL type ids whose text form is what a mapping wants: date, timestamp, timestamptz, time, timetz. */
const PG_TEXT_TYPES = new Set([1082, 1114, 1184, 1083, 1266]);

interface PgTypes {
  getTypeParser(oid: number, format?: string): (value: string) => unknown;
}

function tlsOptions(config: SqlConfig, baseDir: string): object | boolean | undefined {
  const ssl = config.connection?.ssl;
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return config.client === "mysql" ? {} : true;
  const options: { rejectUnauthorized: boolean; ca?: string } = { rejectUnauthorized: ssl.rejectUnauthorized };
  if (ssl.caFile) {
    const file = path.resolve(baseDir, ssl.caFile);
    try {
      options.ca = readFileSync(file, "utf8");
    } catch (err) {
      throw new SyncError("SOURCE_SQL", `${describeSqlSource(config)}: cannot read the CA file ${file}: ${(err as Error).message}`, { file, cause: err });
    }
  }
  return options;
}

/** Routes knex's own console output (pool errors with stacks) nowhere: the same failure reaches the caller as a SyncError. */
const QUIET = { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined };

export function openDatabase(config: SqlConfig, baseDir: string): Knex {
  if (config.client === "sqlite") {
    const filename = path.resolve(baseDir, config.filename ?? "");
    return knexFactory({
      client: "better-sqlite3",
      connection: { filename, options: { readonly: true, fileMustExist: true } } as Knex.Sqlite3ConnectionConfig,
      useNullAsDefault: true,
      compileSqlOnError: false,
      log: QUIET,
      pool: { min: 1, max: 1 },
    });
  }
  const c = config.connection;
  if (!c) throw new SyncError("CONFIG_INVALID", `${describeSqlSource(config)}: no connection given`);
  const ssl = tlsOptions(config, baseDir);
  const common = { host: c.host, user: c.user, database: c.database, ...(c.port ? { port: c.port } : {}), ...(c.password !== undefined ? { password: c.password } : {}) };
  const connection =
    config.client === "mysql"
      ? { ...common, charset: "utf8mb4", dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, ...(ssl ? { ssl } : {}) }
      : {
          ...common,
          ...(ssl ? { ssl } : {}),
          statement_timeout: config.queryTimeoutSeconds * 1000,
          types: {
            getTypeParser: (oid: number, format?: string) => (PG_TEXT_TYPES.has(oid) ? (value: string) => value : pgTypes().getTypeParser(oid, format)),
          },
        };
  return knexFactory({
    client: config.client === "mysql" ? "mysql2" : pgClient(),
    connection,
    compileSqlOnError: false,
    log: QUIET,
    pool: { min: 0, max: 2 },
    acquireConnectionTimeout: 30_000,
  } as Knex.Config);
}

let pgClientClass: typeof Knex.Client | undefined;
/**
 * knex's PostgreSQL client, numbering only the placeholders in code: its own turns every `?` into `$n`, also one in
 * a string of the source's query (`note <> 'why?'`).
 */
function pgClient(): typeof Knex.Client {
  if (pgClientClass) return pgClientClass;
  const PgClient = knexRequire("knex/lib/dialects/postgres/index.js") as typeof Knex.Client;
  pgClientClass = class PgClientReadingQuotes extends PgClient {
    override positionBindings(sql: string): string {
      return pgPositionBindings(sql);
    }
  };
  return pgClientClass;
}

let pgTypeParsers: PgTypes | undefined;
function pgTypes(): PgTypes {
  // pg is loaded by knex already when this runs; its default parsers handle every other type.
  pgTypeParsers ??= (knexRequire("pg") as { types: PgTypes }).types;
  return pgTypeParsers;
}

const knexRequire = createRequire(import.meta.url);

/** The column names a SELECT returns, asked without reading rows (it runs with LIMIT 0 or prepares it). */
export async function columnsOf(db: Knex, config: SqlConfig, sql: string, bindings: Readonly<Record<string, unknown>>): Promise<string[]> {
  if (config.client === "sqlite") {
    const compiled = db.raw(sql, bindings as Knex.ValueDict).toSQL();
    const connection = (await db.client.acquireConnection()) as { prepare(sql: string): { columns(): Array<{ name: string }> } };
    try {
      return connection.prepare(compiled.sql).columns().map((column) => column.name);
    } finally {
      await db.client.releaseConnection(connection);
    }
  }
  const result = (await db.raw(`select * from (${sql}) pbsync_columns limit 0`, bindings as Knex.ValueDict)) as unknown;
  if (config.client === "mysql") {
    const fields = (result as [unknown, Array<{ name: string }>])[1];
    return fields.map((field) => field.name);
  }
  return (result as { fields: Array<{ name: string }> }).fields.map((field) => field.name);
}
