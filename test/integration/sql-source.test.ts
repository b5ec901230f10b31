// The SQL connector end to end on real SQLite, MariaDB and PostgreSQL: rows to the emulator over HTTP, paging, bad rows.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import knexFactory, { type Knex } from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlConnector, type SqlConfig } from "../../connectors/sql.js";
import { refOf, type SourceItem } from "../../connectors/types.js";
import { runSync } from "../../src/cli/sync-runner.js";
import { parseConfig } from "../../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { isSyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { dbServer, freshDatabase } from "../helpers/databases.js";
import { NORTHWIND_MAPPING, seedCustomers } from "../helpers/sql-seed.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-SQL-5d0c";
let emulator: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  dir = await tempDir("pbsync-sql-");
  await writeFile(path.join(dir, "northwind.yaml"), NORTHWIND_MAPPING);
});
const sqliteHandles: Knex[] = [];
afterAll(async () => {
  await Promise.all(sqliteHandles.map((knex) => knex.destroy()));
  await emulator.close();
});

interface Target {
  /** The test server's CA (TLS on 127.0.0.1), and one that did not sign its certificate; servers given by URL have none. */
  caFile?: string;
  otherCaFile?: string;
  /** The source's connection lines (YAML, indented for `source:`), and the same as a connector config. */
  yaml: string;
  base: Pick<SqlConfig, "client" | "connection" | "filename">;
  knex: Knex;
  password?: string;
}

async function sqliteTarget(): Promise<Target> {
  const filename = path.join(dir, `crm-${Date.now()}.sqlite`);
  const knex = knexFactory({ client: "better-sqlite3", connection: { filename }, useNullAsDefault: true });
  sqliteHandles.push(knex);
  return { yaml: `client: sqlite\n      filename: ${filename}`, base: { client: "sqlite", filename }, knex };
}

async function serverTarget(kind: "mysqlServer" | "postgresServer", label: string): Promise<Target | string> {
  const found = dbServer(kind);
  if ("unavailable" in found) return found.unavailable;
  const fresh = await freshDatabase(found.server, label);
  const c = fresh.connection;
  const client = found.server.client;
  return {
    yaml: `client: ${client}\n      connection: { host: "${c.host}", port: ${c.port}, user: ${c.user}, password: "\${CRM_DB_PASSWORD}", database: ${c.database} }`,
    base: { client, connection: c },
    knex: fresh.knex,
    password: c.password,
    ...(found.server.caFile ? { caFile: found.server.caFile } : {}),
    ...(found.server.otherCaFile ? { otherCaFile: found.server.otherCaFile } : {}),
  };
}

const targets: Array<[string, () => Promise<Target | string>]> = [
  ["SQLite", sqliteTarget],
  ["MariaDB", () => serverTarget("mysqlServer", "sql_source")],
  ["PostgreSQL", () => serverTarget("postgresServer", "sql_source")],
];

async function readAll(config: SqlConfig): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of sqlConnector.read(config, { baseDir: dir })) items.push(item);
  return items;
}

function sqlConfig(target: Target, rest: Partial<SqlConfig>): SqlConfig {
  return sqlConnector.configSchema.parse({ type: "sql", ...target.base, key: "customer_id", ...rest });
}

for (const [name, makeTarget] of targets) {
  describe(`SQL source on ${name}`, () => {
    let target: Target | string;
    beforeAll(async () => {
      target = await makeTarget();
      if (typeof target !== "string") await seedCustomers(target.knex);
    });
    const ready = (): Target => {
      if (typeof target === "string") throw new Error(`cannot run: ${target}`);
      return target;
    };

    async function sync(job: string, source: string, options: { full?: boolean } = {}) {
      const t = ready();
      const text = `pbx: { url: "${emulator.url}", token: ${TOKEN} }
store: { client: sqlite, filename: ./${job}.sqlite }
defaults: { retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: ${job}
    appName: ${job.toUpperCase()}
    source:
      type: sql
      ${t.yaml}
${source.replace(/^/gm, "      ")}
    mapping: ./northwind.yaml
`;
      const config = parseConfig(text, path.join(dir, `${job}.yaml`), { env: { CRM_DB_PASSWORD: t.password ?? "" } });
      const [summary] = await runSync(config, { logger: silentLogger, out: quiet(), ...options });
      if (!summary) throw new Error("no run");
      return summary;
    }

    it("syncs a table end to end into the emulator, a page at a time, with dates and amounts formatted", async () => {
      const job = `tbl_${name.toLowerCase()}`;
      const summary = await sync(job, "table: customers\nkey: customer_id\npageSize: 7");
      expect(summary.counts.read).toBe(91);
      expect(summary.counts.inserted).toBe(91);
      expect(emulator.phonebook.all().filter((c) => c.uc_app_name === job.toUpperCase())).toHaveLength(91);
      const alfki = emulator.phonebook.find(job.toUpperCase(), "ALFKI");
      expect(alfki).toMatchObject({ company: "Alfreds Futterkiste", numoffice: "+49300074321" });
      expect(alfki?.ext_info).toEqual([
        { caption: "City", value: "Berlin" },
        { caption: "Last order", value: "10 Jan 2024" },
      ]);
      const anatr = emulator.phonebook.find(job.toUpperCase(), "ANATR");
      expect(anatr?.ext_info).toContainEqual({ caption: "Credit limit", value: "€501.00" });
    });

    it("reads a query with named parameters; a second run is unchanged, an edited row is one update, a deleted row is deleted", async () => {
      const t = ready();
      const job = `qry_${name.toLowerCase()}`;
      const source = `query: |\n  select c.customer_id, c.company_name, c.contact_name, c.city, c.country, c.phone, c.fax, c.last_order, c.credit_limit\n  from customers c where c.active = :active;\nparams: { active: 1 }\nkey: customer_id\npageSize: 10`;
      await t.knex("customers").update({ active: 0 }).where({ customer_id: "WOLZA" });
      expect((await sync(job, source)).counts).toMatchObject({ read: 90, inserted: 90 });
      expect((await sync(job, source)).counts).toMatchObject({ read: 90, unchanged: 90, inserted: 0, updated: 0 });
      await t.knex("customers").update({ company_name: "Alfreds Futterkiste GmbH" }).where({ customer_id: "ALFKI" });
      await t.knex("customers").update({ active: 0 }).where({ customer_id: "BERGS" });
      const third = await sync(job, source);
      expect(third.counts).toMatchObject({ read: 89, updated: 1, deleted: 1, unchanged: 88 });
      expect(emulator.phonebook.find(job.toUpperCase(), "ALFKI")?.company).toBe("Alfreds Futterkiste GmbH");
      expect(emulator.phonebook.find(job.toUpperCase(), "BERGS")).toBeUndefined();
      await t.knex("customers").update({ active: 1, company_name: "Alfreds Futterkiste" }).whereIn("customer_id", ["WOLZA", "BERGS", "ALFKI"]);
    });

    it("reads incrementally: changed rows whole, the rest as keys; deletions still seen; a failed push keeps the watermark", async () => {
      const t = ready();
      await seedCustomers(t.knex, "inc_customers");
      const job = `inc_${name.toLowerCase()}`;
      const source = "table: inc_customers\nkey: customer_id\nincremental: { column: modified_at }\npageSize: 20";
      expect((await sync(job, source)).counts).toMatchObject({ read: 91, inserted: 91 });

      // What the connector yields with the watermark the first run left.
      const config = sqlConfig(t, { table: "inc_customers", incremental: { column: "modified_at" } });
      const edit = (id: string, values: Record<string, unknown>) => t.knex("inc_customers").update(values).where({ customer_id: id });
      await edit("ALFKI", { company_name: "Alfreds Futterkiste GmbH", modified_at: "2024-06-01 10:00:00" });
      const items: SourceItem[] = [];
      for await (const item of sqlConnector.read(config, { baseDir: dir, since: "2024-05-02 00:00:00" })) items.push(item);
      expect(items[0]).toEqual({ kind: "watermark", value: expect.stringMatching(/^2024-06-01[ T]10:00:00/) });
      expect(items.filter((item) => item.kind === "record").map(refOf)).toEqual(["customer_id ALFKI"]);
      expect(items.filter((item) => item.kind === "present")).toHaveLength(90);
      expect(items.find((item) => item.kind === "present")).toEqual({ kind: "present", ref: "customer_id ANATR", fields: { customer_id: "ANATR" } });

      // The sync: one changed row pushed, one deleted row deleted, the rest unchanged without being read.
      await t.knex("inc_customers").where({ customer_id: "BERGS" }).delete();
      const second = await sync(job, source);
      expect(second.counts).toMatchObject({ read: 90, updated: 1, unchanged: 89, deleted: 1, inserted: 0 });
      expect(emulator.phonebook.find(job.toUpperCase(), "ALFKI")?.company).toBe("Alfreds Futterkiste GmbH");
      expect(emulator.phonebook.find(job.toUpperCase(), "BERGS")).toBeUndefined();

      // A change that does not move the change column is not seen (by design), until a --full run.
      await edit("ANATR", { company_name: "Ana Trujillo S.A." });
      expect((await sync(job, source)).counts).toMatchObject({ updated: 0, unchanged: 90 });
      expect(emulator.phonebook.find(job.toUpperCase(), "ANATR")?.company).toBe("Ana Trujillo Emparedados y helados");
      expect((await sync(job, source, { full: true })).counts).toMatchObject({ read: 90, updated: 90 });
      expect(emulator.phonebook.find(job.toUpperCase(), "ANATR")?.company).toBe("Ana Trujillo S.A.");

      // A push that fails leaves the watermark where it was: the next run reads the change again.
      await edit("AROUT", { company_name: "Around the Horn Ltd", modified_at: "2024-07-01 10:00:00" });
      emulator.faults.add({ service: "phonebook_import_sync", times: 5, status: 503 });
      expect((await sync(job, source)).counts).toMatchObject({ errors: 1, updated: 0 });
      emulator.faults.clear();
      expect((await sync(job, source)).counts).toMatchObject({ updated: 1, unchanged: 89 });
      expect(emulator.phonebook.find(job.toUpperCase(), "AROUT")?.company).toBe("Around the Horn Ltd");
      expect((await sync(job, source)).counts).toMatchObject({ updated: 0, unchanged: 90 });
    });

    // SQLite is a file: nothing to encrypt, so no such test for it.
    if (name !== "SQLite") it("talks TLS with connection.ssl, verifying the server against the CA file, and refuses a server another CA signed", async (context) => {
      const t = ready();
      if (!t.base.connection) throw new Error("a server target without a connection");
      if (!t.caFile || !t.otherCaFile) return context.skip("the server was given through the environment, without its CA");
      const tlsQuery =
        t.base.client === "mysql"
          ? "select customer_id, (select variable_value from information_schema.session_status where variable_name = 'Ssl_cipher') as tls from customers"
          : "select customer_id, (select case when ssl then version else '' end from pg_stat_ssl where pid = pg_backend_pid()) as tls from customers";
      const tlsOf = async (ssl: unknown): Promise<unknown> => {
        const config = sqlConfig(t, { query: tlsQuery, connection: { ...t.base.connection, ...(ssl === undefined ? {} : { ssl }) } as SqlConfig["connection"] });
        const first = (await readAll(config)).find((item) => item.kind === "record");
        return first?.kind === "record" ? first.fields["tls"] : undefined;
      };
      expect(await tlsOf({ caFile: t.caFile })).toMatch(/^(TLS|ECDHE|AES|DHE)/);
      expect(await tlsOf(undefined)).toBe("");

      const refused = await failure(sqlConnector.check(sqlConfig(t, { table: "customers", connection: { ...t.base.connection, ssl: { caFile: t.otherCaFile, rejectUnauthorized: true } } as SqlConfig["connection"] }), { baseDir: dir }));
      expect(refused.code).toBe("SOURCE_SQL");
      expect(refused.message).toMatch(/cannot connect: .*(certificate|self.signed)/i);
      const missing = await failure(sqlConnector.check(sqlConfig(t, { table: "customers", connection: { ...t.base.connection, ssl: { caFile: "no-such-ca.pem", rejectUnauthorized: true } } as SqlConfig["connection"] }), { baseDir: dir }));
      expect(missing.message).toMatch(/cannot read the CA file .*no-such-ca\.pem/);
    });

    it("pages through keys a case-insensitive collation takes for equal without losing, repeating or looping", async () => {
      const t = ready();
      await t.knex.schema.dropTableIfExists("ci_keys");
      const column = { SQLite: "text collate nocase", MariaDB: "varchar(10) collate utf8mb4_general_ci", PostgreSQL: "text" }[name];
      await t.knex.raw(`create table ci_keys (k ${column}, contact_name varchar(20))`);
      await t.knex("ci_keys").insert(["abc", "ABC", "b", "Abc ", "c", "d"].map((k, i) => ({ k, contact_name: `n${i}` })));
      for (const pageSize of [1, 2, 4]) {
        const items = await readAll(sqlConfig(t, { table: "ci_keys", key: "k", pageSize }));
        const names = items.map((item) => (item.kind === "record" || item.kind === "problem" ? String(item.fields?.["contact_name"]) : "")).sort();
        expect(names, `pageSize ${pageSize}`).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
      }
    });

    it("reports NULL keys, every repeated key (also across a page boundary) and binary values, and reads the rest", async () => {
      const t = ready();
      await t.knex.schema.dropTableIfExists("messy");
      await t.knex.schema.createTable("messy", (table) => {
        table.integer("id").nullable();
        table.string("contact_name", 40);
        table.binary("photo").nullable();
      });
      const rows = [
        { id: 1, contact_name: "One" },
        { id: 2, contact_name: "Two a" },
        { id: 2, contact_name: "Two b" },
        { id: 2, contact_name: "Two c" },
        { id: 3, contact_name: "Three", photo: Buffer.from("plain text in a blob") },
        { id: null, contact_name: "Nobody" },
        { id: 4, contact_name: "Four", photo: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) },
        { id: 5, contact_name: "Five" },
      ];
      await t.knex("messy").insert(rows.map((row) => ({ photo: null, ...row })));
      const items = await readAll(sqlConfig(t, { table: "messy", key: "id", pageSize: 2 }));
      const summary = items.map((item) => [item.kind, refOf(item), item.kind === "record" ? item.fields["contact_name"] : item.kind === "problem" ? item.message : ""]);
      const where = name === "SQLite" ? "sqlite" : t.base.client;
      expect(summary).toEqual([
        ["problem", "id NULL #1", expect.stringMatching(new RegExp(`^${where} .*: a row has no id \\(NULL\\), so it cannot be told apart from the others$`))],
        ["record", "id 1", "One"],
        ["record", "id 2", expect.stringMatching(/^Two [abc]$/)],
        ["problem", "id 2", expect.stringContaining("id 2 appears in more than one row; this one was not read")],
        ["problem", "id 2", expect.stringContaining("id 2 appears in more than one row; this one was not read")],
        ["record", "id 3", "Three"],
        ["problem", "id 4", expect.stringContaining('id 4: column "photo" holds 4 bytes of binary data, which a mapping cannot read')],
        ["record", "id 5", "Five"],
      ]);
      const three = items.find((item) => refOf(item) === "id 3");
      expect(three?.kind === "record" ? three.fields["photo"] : undefined).toBe("plain text in a blob");
      // A broken row still carries its values, so the sync can keep its contact on the PBX.
      const dup = items.find((item) => item.kind === "problem" && item.ref === "id 2");
      expect(dup?.kind === "problem" ? dup.fields?.["contact_name"] : undefined).toMatch(/^Two [abc]$/);
    });

    it("check() returns the columns, names a missing key column, and a failing query names the database but not the password", async () => {
      const t = ready();
      const checked = await sqlConnector.check(sqlConfig(t, { table: "customers", columns: ["customer_id", "contact_name"] }), { baseDir: dir });
      expect(checked.columns).toEqual(["customer_id", "contact_name"]);

      const missingKey = await failure(sqlConnector.check(sqlConfig(t, { table: "customers", key: "nope" }), { baseDir: dir }));
      expect(missingKey.message).toMatch(/the key column "nope" is not among the query's columns \(customer_id, company_name, /);

      const bad = await failure(sqlConnector.check(sqlConfig(t, { query: "select customer_id from no_such_table" }), { baseDir: dir }));
      expect(bad.code).toBe("SOURCE_SQL");
      expect(bad.message).toMatch(new RegExp(`^${t.base.client} .*: the query failed: .*no_such_table`));

      if (t.base.connection) {
        const secret = "not-the-password-71ab";
        const config = sqlConfig(t, { table: "customers", connection: { ...t.base.connection, password: secret } });
        const denied = await failure(sqlConnector.check(config, { baseDir: dir }));
        expect(denied.message).toMatch(/cannot connect/);
        expect(`${denied.message}\n${denied.stack ?? ""}`).not.toContain(secret);
        expect(denied.message).not.toContain(t.password ?? "");
      }
    });
  });
}

async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (err) {
    if (isSyncError(err)) return err as Error & { code: string };
    throw err;
  }
  throw new Error("expected a failure");
}

/** Where the summary table goes in tests: nowhere (the counts are asserted instead). */
function quiet(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
