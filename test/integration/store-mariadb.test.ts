// The store suite on a real MariaDB server (started by the test setup, or PBSYNC_TEST_MYSQL), plus what only a server has.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runSync } from "../../src/cli/sync-runner.js";
import { parseConfig } from "../../src/config/index.js";
import { startEmulator } from "../../src/emulator/index.js";
import { silentLogger } from "../../src/logger.js";
import { HEADER, MAPPING, rows } from "../helpers/sync-env.js";
import { isSyncError } from "../../src/errors.js";
import { openStore } from "../../src/store/index.js";
import { dbServer, freshDatabase } from "../helpers/databases.js";
import { describeStoreSuite } from "./store-suite.js";

const found = dbServer("mysqlServer");

if ("unavailable" in found) {
  // A missing server is a failure, as in the other SQL test files: the setup brings one up or says why not.
  describe("store on MariaDB", () => {
    it("has a MariaDB server to run on", () => {
      throw new Error(`cannot run: ${found.unavailable}`);
    });
  });
} else {
  const { server } = found;
  let counter = 0;
  describeStoreSuite("mariadb", {
    makeOptions: async () => ({ client: "mysql", connection: (await freshDatabase(server, `store_${++counter}`)).connection }),
    badOptions: async () => {
      const { connection } = await freshDatabase(server, "store_bad");
      const secret = "wrong-password-8c1f";
      return { options: { client: "mysql", connection: { ...connection, password: secret } }, mentions: `${server.user}@${server.host}`, secret };
    },
  });

  describe("store on MariaDB", () => {
    it("creates its tables with utf8mb4 and a binary collation, so names compare as in SQLite", async () => {
      const fresh = await freshDatabase(server, "store_schema");
      const store = await openStore({ client: "mysql", connection: fresh.connection });
      try {
        const [rows] = (await fresh.knex.raw(
          "select table_name as name, table_collation as collation from information_schema.tables where table_schema = ? order by table_name",
          [fresh.database],
        )) as [Array<{ name: string; collation: string }>];
        const ours = rows.filter((row) => !row.name.startsWith("knex_"));
        expect(ours.map((row) => row.name)).toEqual(["contact_results", "contact_state", "job_locks", "runs", "source_refs", "source_watermarks"]);
        for (const row of ours) expect(row.collation).toBe("utf8mb4_bin");
        expect(store.location).toBe(`mysql ${server.user}@${server.host}:${server.port}/${fresh.database}`);
      } finally {
        await store.close();
      }
    });

    it("lets sixteen stores open one fresh database at once: one migrates, the others wait for it (knex alone locked itself out)", async () => {
      for (let round = 0; round < 6; round++) {
        const { connection } = await freshDatabase(server, `store_race_${round}`);
        const stores = await Promise.all(Array.from({ length: 16 }, () => openStore({ client: "mysql", connection })));
        try {
          const [rows] = (await stores[0]?.knex.raw("select count(*) as n from knex_migrations_lock")) as [Array<{ n: number }>];
          expect(Number(rows[0]?.n)).toBe(1);
        } finally {
          await Promise.all(stores.map((store) => store.close()));
        }
      }
    });

    it("holds a whole sync's runs, reports and contact state: a second run is unchanged, a removed row is deleted", async () => {
      const fresh = await freshDatabase(server, "store_sync");
      const dir = await mkdtemp(path.join(os.tmpdir(), "pbsync-mysql-store-"));
      const emulator = await startEmulator({ port: 0, token: "tok-MYSQL-STORE-2b" });
      try {
        await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
        const c = fresh.connection;
        const text = `pbx: { url: "${emulator.url}", token: tok-MYSQL-STORE-2b }
store: { client: mysql, connection: { host: "${c.host}", port: ${c.port}, user: ${c.user}, password: "\${STORE_PW}", database: ${c.database} } }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
    deletions: { maxDeleteRatio: 0.5 }
`;
        const sync = async () => {
          const config = parseConfig(text, path.join(dir, "config.yaml"), { env: { STORE_PW: c.password } });
          const [summary] = await runSync(config, { logger: silentLogger, out: new Writable({ write: (_chunk, _encoding, done) => done() }) });
          if (!summary) throw new Error("no run");
          return summary;
        };
        await writeFile(path.join(dir, "contacts.csv"), `${[HEADER, ...rows(12)].join("\n")}\n`);
        expect((await sync()).counts).toMatchObject({ read: 12, inserted: 12 });
        expect((await sync()).counts).toMatchObject({ read: 12, unchanged: 12, inserted: 0 });
        await writeFile(path.join(dir, "contacts.csv"), `${[HEADER, ...rows(12).slice(0, 10)].join("\n")}\n`);
        const third = await sync();
        expect(third.counts).toMatchObject({ read: 10, unchanged: 10, deleted: 2 });
        expect(emulator.phonebook.count()).toBe(10);

        const store = await openStore({ client: "mysql", connection: c });
        try {
          expect((await store.listRuns()).map((run) => run.status)).toEqual(["success", "success", "success"]);
          const deleted: string[] = [];
          for await (const row of store.results(third.runId ?? 0)) if (row.outcome === "deleted") deleted.push(row.externalId ?? "");
          expect(deleted.sort()).toEqual(["11", "12"]);
          const [state] = (await store.knex.raw("select count(*) as n from contact_state")) as [Array<{ n: number }>];
          expect(Number(state[0]?.n)).toBe(10);
        } finally {
          await store.close();
        }
      } finally {
        await emulator.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("fails with STORE_FAILED naming the server, never the password, when the database does not exist", async () => {
      let caught: unknown;
      try {
        await openStore({ client: "mysql", connection: { host: server.host, port: server.port, user: server.user, password: server.password, database: "pbsync_missing_db" } });
      } catch (err) {
        caught = err;
      }
      expect(isSyncError(caught, "STORE_FAILED")).toBe(true);
      expect((caught as Error).message).toContain("pbsync_missing_db");
      expect((caught as Error).message).not.toContain(server.password);
    });
  });
}
