// mappings/suitecrm.yaml on MariaDB and mappings/odoo.yaml on PostgreSQL, against those products' real table and
// column names, synced end to end into the emulator with the query taken from the mapping's source: block.
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../../src/cli/sync-runner.js";
import { parseConfig } from "../../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { silentLogger } from "../../src/logger.js";
import { ROOT } from "../helpers/cli.js";
import { dbServer, freshDatabase, type FreshDatabase } from "../helpers/databases.js";
import { createOdooSchema, createSuiteCrmSchema, uuid } from "../helpers/crm-schemas.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-PRESET-0e4b";
let emulator: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  dir = await tempDir("pbsync-presets-");
});
afterAll(() => emulator.close());

async function syncPreset(fresh: FreshDatabase, job: string, preset: string) {
  const c = fresh.connection;
  const client = fresh.server.client;
  const text = `pbx: { url: "${emulator.url}", token: ${TOKEN} }
store: { client: sqlite, filename: ./${job}.sqlite }
jobs:
  - name: ${job}
    appName: ${job.toUpperCase()}
    source:
      type: sql
      client: ${client}
      connection: { host: "${c.host}", port: ${c.port}, user: ${c.user}, password: "\${CRM_DB_PASSWORD}", database: ${c.database} }
    mapping: ${path.join(ROOT, "mappings", `${preset}.yaml`)}
    # A handful of test contacts: one deletion is a large share of them.
    deletions: { maxDeleteRatio: 0.5 }
`;
  const config = parseConfig(text, path.join(dir, `${job}.yaml`), { env: { CRM_DB_PASSWORD: c.password } });
  const [summary] = await runSync(config, { logger: silentLogger, out: quiet() });
  if (!summary) throw new Error("no run");
  return summary;
}

function stored(app: string) {
  return new Map(emulator.phonebook.all().filter((c) => c.uc_app_name === app).map((c) => [c.uc_external_id, c]));
}

function requireServer(kind: "mysqlServer" | "postgresServer") {
  const found = dbServer(kind);
  if ("unavailable" in found) throw new Error(`cannot run: ${found.unavailable}`);
  return found.server;
}

describe("the SuiteCRM preset on MariaDB", () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(requireServer("mysqlServer"), "suitecrm");
    await createSuiteCrmSchema(fresh.knex);
  });

  it("syncs each live contact once, with its first account, primary e-mail and assigned user, and deletes one soft-deleted later", async () => {
    const first = await syncPreset(fresh, "suitecrm", "suitecrm");
    expect(first.counts).toMatchObject({ read: 5, inserted: 4, skipped: 1, duplicates: 0, invalid: 0 });
    const contacts = stored("SUITECRM");
    expect([...contacts.keys()].sort()).toEqual(["c0000001", "c0000002", "c0000005", "c0000006"].map(uuid));
    expect(contacts.get(uuid("c0000001"))).toMatchObject({
      name: "Mario",
      surname: "Rossi",
      company: "Rossi S.r.l.",
      email: "mario.rossi@rossi.example",
      numoffice: "+390733123456",
      nummobile: "+393471234567",
      ext_info: [
        { caption: "Role", value: "Buyer - Purchasing" },
        { caption: "City", value: "Macerata" },
        { caption: "Account manager", value: "Laura Fontana" },
      ],
    });
    // Linked to two accounts: one row, the account linked first.
    expect(contacts.get(uuid("c0000002"))).toMatchObject({ company: "Bäckerei Becker", numoffice: "+49301234567" });
    // Only a deleted account: no company, but the contact is still synced.
    expect(contacts.get(uuid("c0000005"))?.company ?? "").toBe("");
    expect(contacts.get(uuid("c0000006"))).toMatchObject({ numoffice: "+41446681800" });

    await fresh.knex("contacts").update({ deleted: 1 }).where({ id: uuid("c0000006") });
    const second = await syncPreset(fresh, "suitecrm", "suitecrm");
    expect(second.counts).toMatchObject({ read: 4, unchanged: 3, deleted: 1 });
    expect(stored("SUITECRM").has(uuid("c0000006"))).toBe(false);
  });
});

describe("the Odoo preset on PostgreSQL", () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(requireServer("postgresServer"), "odoo");
    await createOdooSchema(fresh.knex);
  });

  it("syncs customer and supplier companies and their people, leaves out users, private and archived partners", async () => {
    const first = await syncPreset(fresh, "odoo", "odoo");
    expect(first.counts).toMatchObject({ read: 4, inserted: 3, skipped: 1, invalid: 0 });
    const partners = stored("ODOO");
    expect([...partners.keys()].sort()).toEqual(["10", "11", "13"]);
    expect(partners.get("10")).toMatchObject({
      company: "Rossi S.r.l.",
      numoffice: "+390733123456",
      ext_info: [
        { caption: "Customer code", value: "C-0010" },
        { caption: "Salesperson", value: "Laura Fontana" },
        { caption: "City", value: "Macerata" },
      ],
    });
    expect(partners.get("10")?.name ?? "").toBe("");
    expect(partners.get("11")).toMatchObject({ name: "Mario Rossi", company: "Rossi S.r.l.", nummobile: "+393471234567" });
    expect(partners.get("11")?.ext_info).toContainEqual({ caption: "Role", value: "Buyer" });
    expect(partners.get("13")).toMatchObject({ company: "Müller GmbH", numoffice: "+49301234567" });

    await fresh.knex("res_partner").update({ active: false }).where({ id: 13 });
    const second = await syncPreset(fresh, "odoo", "odoo");
    expect(second.counts).toMatchObject({ read: 3, unchanged: 2, deleted: 1 });
    expect(stored("ODOO").has("13")).toBe(false);
  });
});

/** Where the summary table goes in tests: nowhere (the counts are asserted instead). */
function quiet(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
