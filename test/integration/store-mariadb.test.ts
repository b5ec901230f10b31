// The store suite on a real MariaDB server (started by the test setup, or PBSYNC_TEST_MYSQL), plus what only a server has.
import { describe, expect, it } from "vitest";
import { isSyncError } from "../../src/errors.js";
import { openStore } from "../../src/store/index.js";
import { dbServer, freshDatabase } from "../helpers/databases.js";
import { describeStoreSuite } from "./store-suite.js";

const found = dbServer("mysqlServer");

if ("unavailable" in found) {
  describe("store on MariaDB", () => {
    it.skip(`cannot run: ${found.unavailable}`, () => undefined);
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
        expect(ours.map((row) => row.name)).toEqual(["contact_results", "contact_state", "job_locks", "runs", "source_watermarks"]);
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
