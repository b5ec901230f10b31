// Opens the store: SQLite file (WAL, busy timeout) or MySQL/MariaDB, then brings the schema up to date.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import { SyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { registerSecret } from "../redact.js";
import { migrationSource } from "./migration-source.js";
import { storeFailed, type StoreTarget } from "./store-error.js";
import { createStore, type SqlStore } from "./store.js";
import type { StoreOptions } from "./types.js";

export interface OpenStoreContext {
  logger?: Logger;
  /** Relative SQLite paths resolve against this directory (the config file's); default the working directory. */
  baseDir?: string;
  /** Read-only commands: a missing SQLite file is an error ("no reports yet") rather than a new empty store. */
  mustExist?: boolean;
}

/** How long a writer waits for another process's lock on the SQLite file before giving up. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const MIGRATION_LOCK_WAIT_MS = 30_000;

/** The few better-sqlite3 calls used here; the package ships no types of its own. */
interface SqliteConnection {
  pragma(source: string): unknown;
  close(): void;
}
type SqliteDatabase = new (filename: string) => SqliteConnection;

function sqlitePragmas(conn: SqliteConnection): void {
  conn.pragma("journal_mode = WAL");
  conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  conn.pragma("foreign_keys = ON");
  // Safe with WAL: a power cut may lose the last commit, never corrupt the file.
  conn.pragma("synchronous = NORMAL");
}

/**
 * Opens the file once directly before knex does: a bad path or a file that is not a database then fails at
 * once with the driver's message, instead of the knex pool retrying the connection until its timeout.
 */
function checkSqliteFile(file: string, target: StoreTarget, mustExist: boolean): void {
  if (file === ":memory:") return;
  if (!existsSync(file)) {
    if (mustExist) {
      throw new SyncError("STORE_FAILED", `no reports yet at ${file} (run a sync first)`, {
        file,
        hint: "Run a sync first, or point --store / --config at the database the syncs write to.",
      });
    }
    try {
      mkdirSync(path.dirname(file), { recursive: true });
    } catch (err) {
      throw storeFailed("cannot create the store's directory", target, err);
    }
  } else if (statSync(file).isDirectory()) {
    throw new SyncError("STORE_FAILED", `the store ${file} is a directory, not an SQLite file`, { file });
  }
  const Database = createRequire(import.meta.url)("better-sqlite3") as SqliteDatabase;
  let conn: SqliteConnection | undefined;
  try {
    conn = new Database(file);
    sqlitePragmas(conn);
  } catch (err) {
    throw storeFailed("cannot open the SQLite store", target, err);
  } finally {
    conn?.close();
  }
}

function sqliteConfig(file: string): Knex.Config {
  return {
    client: "better-sqlite3",
    connection: { filename: file },
    useNullAsDefault: true,
    // Keep contact data out of error messages: knex would otherwise print the SQL with its values.
    compileSqlOnError: false,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) => {
        try {
          sqlitePragmas(conn);
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
  };
}

/**
 * knex prints pool and driver trouble ("Acquire connection error" with a stack) straight to the console; the
 * same failure reaches the caller as a STORE_FAILED error, so these lines go to the debug log instead.
 */
function knexLog(logger: Logger): Knex.Config["log"] {
  const debug = (message: unknown) => logger.debug({ knex: message instanceof Error ? message.message : String(message) }, "knex");
  return { warn: debug, error: debug, deprecate: debug, debug };
}

function mysqlConfig(connection: Extract<StoreOptions, { client: "mysql" }>["connection"]): Knex.Config {
  return {
    client: "mysql2",
    connection: { ...connection, charset: "utf8mb4" } as Knex.MySql2ConnectionConfig,
    compileSqlOnError: false,
    // min 0: a daemon that idles all day holds no connection for the server's wait_timeout to cut.
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 30_000,
  };
}

export function describeTarget(options: StoreOptions, baseDir?: string): StoreTarget {
  if (options.client === "sqlite") {
    const file = options.filename === ":memory:" ? ":memory:" : path.resolve(baseDir ?? process.cwd(), options.filename);
    return { location: file, file };
  }
  const { host, port, user, database, password } = options.connection;
  return { location: `mysql ${user}@${host}:${port ?? 3306}/${database}`, ...(password ? { password } : {}) };
}

/** Errors two processes opening one fresh database at once can meet; the retry then finds the work done. */
function isMigrationRace(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    err.name === "MigrationLocked" ||
    /already exists|SQLITE_BUSY|database is locked/i.test(err.message) ||
    (typeof code === "string" && /^(SQLITE_BUSY|ER_DUP_ENTRY|ER_TABLE_EXISTS_ERROR|ER_LOCK_DEADLOCK)/.test(code))
  );
}

/**
 * MySQL/MariaDB: processes opening one fresh database at once would each create knex's migration lock table and
 * insert its row, and two rows there keep the lock "taken" for ever. A server-side named lock, held on one
 * connection while the migrations run on others, lets one process at a time migrate.
 */
async function withMysqlMigrationLock<T>(db: Knex, work: () => Promise<T>): Promise<T> {
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<unknown> };
  const connection = await client.acquireConnection();
  const onConnection = (sql: string) => db.raw(sql).connection(connection);
  try {
    const [rows] = (await onConnection(`SELECT GET_LOCK('phonebook_sync_migrate', ${MIGRATION_LOCK_WAIT_MS / 1000}) AS got`)) as [Array<{ got: number | null }>];
    if (rows[0]?.got !== 1) throw new Error(`another process kept the store's migration lock for ${MIGRATION_LOCK_WAIT_MS / 1000} s`);
    try {
      return await work();
    } finally {
      await onConnection("SELECT RELEASE_LOCK('phonebook_sync_migrate')");
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

async function migrate(db: Knex, logger: Logger): Promise<void> {
  if ((db.client as { dialect?: unknown }).dialect === "mysql") return withMysqlMigrationLock(db, () => migrateRetrying(db, logger));
  return migrateRetrying(db, logger);
}

async function migrateRetrying(db: Knex, logger: Logger): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
      if (applied.length > 0) logger.info({ migrations: applied }, "store schema updated");
      return;
    } catch (err) {
      // Another process is migrating the same database: wait for it rather than fail.
      if (!isMigrationRace(err) || Date.now() - started > MIGRATION_LOCK_WAIT_MS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
}

/** Opens (and migrates) the store. Every failure is a SyncError STORE_FAILED naming the file or host. */
export async function openStore(options: StoreOptions, ctx: OpenStoreContext = {}): Promise<SqlStore> {
  const logger = ctx.logger ?? silentLogger;
  const target = describeTarget(options, ctx.baseDir);
  let config: Knex.Config;
  if (options.client === "sqlite") {
    const file = target.file ?? ":memory:";
    checkSqliteFile(file, target, ctx.mustExist === true);
    config = sqliteConfig(file);
  } else if (options.client === "mysql") {
    registerSecret(options.connection.password);
    config = mysqlConfig(options.connection);
  } else {
    throw new SyncError("STORE_FAILED", `unknown store client "${String((options as { client: unknown }).client)}": use sqlite or mysql`);
  }
  const db = knexFactory({ ...config, log: knexLog(logger) });
  try {
    await migrate(db, logger);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw storeFailed("cannot open the store", target, err);
  }
  logger.debug({ store: target.location }, "store open");
  return createStore(db, target);
}
