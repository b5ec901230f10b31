// The database servers the global setup started (or found through the environment), and fresh databases on them.
import { randomBytes } from "node:crypto";
import knexFactory, { type Knex } from "knex";
import { afterAll, inject } from "vitest";
import type { DbServer } from "./db-servers.js";

export type ServerKind = "mysqlServer" | "postgresServer";

/** The server, or the reason it is missing (only outside CI: under CI the global setup fails instead). */
export function dbServer(kind: ServerKind): { server: DbServer } | { unavailable: string } {
  const provided = inject(kind);
  return "unavailable" in provided ? provided : { server: provided };
}

export interface FreshDatabase {
  server: DbServer;
  database: string;
  /** knex connection settings for the fresh database, as a config file would give them. */
  connection: { host: string; port: number; user: string; password: string; database: string };
  /** A knex instance on the fresh database for the test's own setup (schemas, seed rows); closed after the file. */
  knex: Knex;
}

const created: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(created.splice(0).map((drop) => drop()));
});

/** A new, empty database named pbsync_<label>_<random> on the server, dropped after the test file. */
export async function freshDatabase(server: DbServer, label: string): Promise<FreshDatabase> {
  const database = `pbsync_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const base = { host: server.host, port: server.port, user: server.user, password: server.password };
  const client = server.client === "mysql" ? "mysql2" : "pg";
  const admin = knexFactory({ client, connection: { ...base, database: server.database }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(server.client === "mysql" ? `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4` : `CREATE DATABASE "${database}" ENCODING 'UTF8'`);
  } finally {
    await admin.destroy();
  }
  const connection = { ...base, database };
  const knex = knexFactory({ client, connection, pool: { min: 0, max: 4 } });
  created.push(async () => {
    await knex.destroy();
    const dropper = knexFactory({ client, connection: { ...base, database: server.database }, pool: { min: 0, max: 1 } });
    try {
      await dropper.raw(server.client === "mysql" ? `DROP DATABASE IF EXISTS \`${database}\`` : `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await dropper.destroy();
    }
  });
  return { server, database, connection, knex };
}
