// The benchmark's contacts as a MariaDB table: the same rows as the generated CSV (bench/generate.ts), loaded in
// multi-row INSERTs, and edited in place (1% edited, 0.5% removed) for the "1% changed" scenario.
import mysql from "mysql2/promise";
import { serverFromEnv, startMariaDb, type DbServer } from "../../test/helpers/db-servers.js";
import { companiesFor, contactAt, CSV_HEADER, csvValues, fateOf } from "./contacts.js";

export const BENCH_TABLE = "bench_contacts";
const INSERT_ROWS = 2000;

export interface BenchDatabase {
  server: DbServer;
  stop(): Promise<void>;
}

/** PBSYNC_BENCH_MYSQL=mysql://user:pass@host:port/db, or a throwaway MariaDB started (and installed) as the tests do. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const given = serverFromEnv("PBSYNC_BENCH_MYSQL", "mysql");
  if (given) return { server: given, stop: async () => undefined };
  const started = await startMariaDb();
  return { server: started.server, stop: () => started.stop() };
}

function connect(server: DbServer): Promise<mysql.Connection> {
  return mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database, charset: "utf8mb4" });
}

/** (Re)creates the table with the CSV's columns (id the primary key) and fills it with rows 1..n. */
export async function loadContacts(server: DbServer, n: number): Promise<void> {
  const db = await connect(server);
  try {
    await db.query(`DROP TABLE IF EXISTS ${BENCH_TABLE}`);
    const columns = CSV_HEADER.map((column) => (column === "id" ? "id varchar(16) NOT NULL PRIMARY KEY" : `${column} varchar(255) NULL`));
    await db.query(`CREATE TABLE ${BENCH_TABLE} (${columns.join(", ")}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    const companies = companiesFor(n);
    for (let from = 1; from <= n; from += INSERT_ROWS) {
      const rows: string[][] = [];
      for (let row = from; row < Math.min(n + 1, from + INSERT_ROWS); row++) rows.push(csvValues(contactAt(row, companies)).map((value) => value));
      await db.query(`INSERT INTO ${BENCH_TABLE} (${CSV_HEADER.join(", ")}) VALUES ?`, [rows.map((row) => row.map((value) => (value === "" ? null : value)))]);
    }
  } finally {
    await db.end();
  }
}

/** Applies the edited variant in place: the edited rows rewritten, the removed rows deleted. */
export async function applyEdits(server: DbServer, n: number): Promise<{ editedRows: number; removedRows: number }> {
  const db = await connect(server);
  const companies = companiesFor(n);
  let editedRows = 0;
  let removedRows = 0;
  try {
    let edited: Array<Array<string | null>> = [];
    let removed: string[] = [];
    const flush = async (): Promise<void> => {
      if (edited.length > 0) {
        const updates = CSV_HEADER.filter((column) => column !== "id").map((column) => `${column} = VALUES(${column})`);
        await db.query(`INSERT INTO ${BENCH_TABLE} (${CSV_HEADER.join(", ")}) VALUES ? ON DUPLICATE KEY UPDATE ${updates.join(", ")}`, [edited]);
      }
      if (removed.length > 0) await db.query(`DELETE FROM ${BENCH_TABLE} WHERE id IN (?)`, [removed]);
      edited = [];
      removed = [];
    };
    for (let row = 1; row <= n; row++) {
      const fate = fateOf(row);
      if (fate === "kept") continue;
      const contact = contactAt(row, companies, true);
      if (fate === "removed") {
        removedRows++;
        removed.push(contact.id);
      } else {
        editedRows++;
        edited.push(csvValues(contact).map((value) => (value === "" ? null : value)));
      }
      if (edited.length + removed.length >= INSERT_ROWS) await flush();
    }
    await flush();
  } finally {
    await db.end();
  }
  return { editedRows, removedRows };
}
