// The report viewer's store queries (filter, search, sort, page; a contact across runs; jobs) on SQLite and MariaDB.
import path from "node:path";
import type { Knex } from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PAGE_SIZE, SEARCH_COUNT_CAP } from "../../src/store/report-queries.js";
import {
  COUNT_KEYS,
  RESULT_SORTS,
  openStore,
  type ContactResultInput,
  type ContactResultRow,
  type Outcome,
  type ResultSort,
  type RunCounts,
  type SqlStore,
  type StoreOptions,
} from "../../src/store/index.js";
import { dbServer, freshDatabase } from "../helpers/databases.js";
import { tempDir } from "../helpers/temp.js";

const PBX = "https://pbx.example/PBX/seri_endpoint.php";
const PBX_A = "a".repeat(40);
const PBX_B = "b".repeat(40);

interface Fixture {
  name: string | null;
  outcome: Outcome;
  numoffice?: string;
  info?: string;
}

/** The main run's rows, in the order they are recorded (seq 1, 2, ...): ties, accents, LIKE's special characters. */
const MAIN: readonly Fixture[] = [
  { name: "Anna Müller (Müller GmbH)", outcome: "inserted", numoffice: "+39021234567" },
  { name: "CITTÀ DI CASTELLO", outcome: "warning", info: "numhome: kept as digits" },
  { name: "Zoe Adams", outcome: "skipped" },
  { name: "100% Bio S.r.l.", outcome: "inserted", numoffice: "+390612345678" },
  { name: "1000 Fiori", outcome: "updated" },
  { name: "under_score Ltd", outcome: "inserted" },
  { name: "Ferris Bueller", outcome: "error", info: "PBX answered: contact not saved" },
  { name: "Hey! Bang", outcome: "inserted" },
  { name: "anna rossi", outcome: "invalid", info: "email: not an address" },
  { name: null, outcome: "deleted" },
  { name: "Same Name", outcome: "warning" },
  { name: "Same Name", outcome: "inserted" },
  { name: "Same Name", outcome: "warning" },
  { name: "Élodie Roux", outcome: "duplicate", info: "path C:\\Temp\\crm" },
];

function externalIdOf(index: number): string {
  return `ext-${String(index + 1).padStart(3, "0")}`;
}

function resultOf(fixture: Fixture, index: number, appName = "CRM"): ContactResultInput {
  const numbers = fixture.numoffice === undefined ? {} : { numoffice: fixture.numoffice };
  return {
    ref: `line ${index + 2}`,
    appName,
    externalId: externalIdOf(index),
    displayName: fixture.name,
    outcome: fixture.outcome,
    action: fixture.outcome === "inserted" ? "insert" : fixture.outcome === "updated" ? "update" : null,
    pbxId: fixture.outcome === "inserted" || fixture.outcome === "updated" ? String(7000 + index) : null,
    info: fixture.info ?? null,
    detail: fixture.outcome === "skipped" ? null : { sent: { name: fixture.name ?? "", ...numbers }, before: fixture.outcome === "updated" ? { numoffice: "+3906999" } : {} },
  };
}

function zeroCounts(): RunCounts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;
}

/** The value a sort orders by: binary order, NULL first, as both databases' binary collations compare. */
function sortKey(row: ContactResultRow, sort: ResultSort): string | number | null {
  if (sort === "name") return row.displayName ?? null;
  if (sort === "externalId") return row.externalId;
  if (sort === "outcome") return row.outcome;
  return row.seq;
}

function compareRows(sort: ResultSort): (a: ContactResultRow, b: ContactResultRow) => number {
  return (a, b) => {
    const [x, y] = [sortKey(a, sort), sortKey(b, sort)];
    if (x === y) return a.seq - b.seq;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  };
}

function expectedOrder(rows: readonly ContactResultRow[], sort: ResultSort, descending: boolean): number[] {
  const sorted = [...rows].sort(compareRows(sort)).map((row) => row.seq);
  return descending ? sorted.reverse() : sorted;
}

function describeReportQueries(name: string, makeOptions: () => Promise<StoreOptions>): void {
  describe(`report queries on ${name}`, () => {
    let store: SqlStore;
    let main: number;
    let later: number;
    let other: number;
    let big: number;
    let all: ContactResultRow[];
    const seqs = async (query: Parameters<SqlStore["queryResults"]>[1], runId = main) => (await store.queryResults(runId, query)).rows.map((row) => row.seq);

    beforeAll(async () => {
      store = await openStore(await makeOptions());
      main = await store.createRun({ job: "nightly", appName: "CRM", trigger: "schedule", pbx: PBX });
      await store.recordResults(main, MAIN.slice(0, 5).map((fixture, i) => resultOf(fixture, i)));
      await store.recordResults(
        main,
        MAIN.slice(5).map((fixture, i) => resultOf(fixture, i + 5)),
        { scope: { pbxKey: PBX_A, appName: "CRM" }, upserts: [{ externalId: "ext-001", pbxId: "7000", contactHash: "h".repeat(40), sourceHash: "s1", displayName: "Anna Müller (Müller GmbH)", sent: { name: "Anna", numoffice: "+39021234567" } }] },
      );
      await store.finishRun(main, { status: "partial", counts: zeroCounts() });
      later = await store.createRun({ job: "hourly", appName: "CRM", trigger: "cli", pbx: PBX, dryRun: true });
      await store.recordResults(later, [{ ...resultOf(MAIN[0] as Fixture, 0), outcome: "updated", info: "later run" }], {
        scope: { pbxKey: PBX_B, appName: "CRM" },
        upserts: [{ externalId: "ext-001", pbxId: "9001", contactHash: "g".repeat(40), sourceHash: "s2", displayName: "Anna Müller", sent: { name: "Anna", surname: "Müller" } }],
      });
      // Same external id under another app name: neither its history nor its state is this contact's.
      other = await store.createRun({ job: "Nightly", appName: "ERP", trigger: "cli", pbx: PBX });
      await store.recordResults(other, [resultOf(MAIN[0] as Fixture, 0, "ERP")], {
        scope: { pbxKey: PBX_A, appName: "ERP" },
        upserts: [{ externalId: "ext-001", pbxId: "1", contactHash: "e".repeat(40), sourceHash: "s3" }],
      });
      big = await store.createRun({ job: "nightly", appName: "CRM", trigger: "schedule", pbx: PBX });
      const bigRows = Array.from({ length: SEARCH_COUNT_CAP + 50 }, (_, i) => ({
        ref: `line ${i + 2}`,
        appName: "CRM",
        externalId: `big-${String(i).padStart(5, "0")}`,
        displayName: `Bulk ${String((i * 7919) % 100_000).padStart(5, "0")}`,
        outcome: (i % 100 === 0 ? "error" : "inserted") as Outcome,
      }));
      for (let i = 0; i < bigRows.length; i += 2_000) await store.recordResults(big, bigRows.slice(i, i + 2_000));
      all = (await store.queryResults(main, { limit: MAX_PAGE_SIZE })).rows;
    }, 120_000);

    afterAll(async () => {
      await store?.close();
    });

    it("reads a run's rows back as recorded, each field and the detail included, and no other run's", async () => {
      expect(all.map((row) => row.seq)).toEqual(MAIN.map((_, i) => i + 1));
      expect(all.every((row) => row.runId === main)).toBe(true);
      expect(all[0]).toMatchObject({ ref: "line 2", appName: "CRM", externalId: "ext-001", displayName: "Anna Müller (Müller GmbH)", outcome: "inserted", action: "insert", pbxId: "7000" });
      expect(all[0]?.detail).toEqual({ sent: { name: "Anna Müller (Müller GmbH)", numoffice: "+39021234567" }, before: {} });
      expect(all[9]).toMatchObject({ displayName: null, outcome: "deleted" });
      expect(await store.queryResults(later, { limit: 10 })).toMatchObject({ total: 1, totalIsLowerBound: false });
    });

    it("filters by outcome; an empty list of outcomes matches nothing", async () => {
      const problems = await store.queryResults(main, { limit: 50, outcomes: ["warning", "error"] });
      expect(problems.rows.map((row) => [row.seq, row.outcome])).toEqual([
        [2, "warning"],
        [7, "error"],
        [11, "warning"],
        [13, "warning"],
      ]);
      expect(problems.total).toBe(4);
      expect(await store.queryResults(main, { limit: 50, outcomes: ["kept"] })).toEqual({ rows: [], total: 0, totalIsLowerBound: false });
      expect(await store.queryResults(main, { limit: 50, outcomes: [] })).toEqual({ rows: [], total: 0, totalIsLowerBound: false });
    });

    it("finds names whatever their case, and accented names in the case typed, in lower or in upper case", async () => {
      expect(await seqs({ limit: 50, search: "ANNA" })).toEqual([1, 9]);
      for (const search of ["müller", "Müller", "MÜLLER", " müller  "]) expect(await seqs({ limit: 50, search }), search).toEqual([1]);
      for (const search of ["CITTÀ", "città", "Città di"]) expect(await seqs({ limit: 50, search }), search).toEqual([2]);
      expect(await seqs({ limit: 50, search: "élodie" })).toEqual([14]);
      expect(await seqs({ limit: 50, search: "Mueller" })).toEqual([]);
    });

    it("finds rows by external id, ref, PBX id and info", async () => {
      expect(await seqs({ limit: 50, search: "EXT-007" })).toEqual([7]);
      expect(await seqs({ limit: 50, search: "line 4" })).toEqual([3]);
      expect(await seqs({ limit: 50, search: "7003" })).toEqual([4]);
      expect(await seqs({ limit: 50, search: "not SAVED" })).toEqual([7]);
    });

    it("finds a number typed with spaces, dashes or in its national form among the numbers sent", async () => {
      expect(await seqs({ limit: 50, search: "+39 02 1234-567" })).toEqual([1]);
      expect(await seqs({ limit: 50, search: "02 1234567" })).toEqual([1]);
      expect(await seqs({ limit: 50, search: "(06) 1234.5678" })).toEqual([4]);
      expect(await seqs({ limit: 50, search: "+39 02 7654-321" })).toEqual([]);
    });

    it("takes %, _, ! and \\ in a search literally", async () => {
      expect(await seqs({ limit: 50, search: "100%" })).toEqual([4]);
      expect(await seqs({ limit: 50, search: "r_s" })).toEqual([6]);
      expect(await seqs({ limit: 50, search: "y!" })).toEqual([8]);
      expect(await seqs({ limit: 50, search: "%" })).toEqual([4]);
      expect(await seqs({ limit: 50, search: "c:\\temp\\" })).toEqual([14]);
      expect(await seqs({ limit: 50, search: "   " })).toEqual(MAIN.map((_, i) => i + 1));
    });

    it("combines a search with an outcome filter and a sort", async () => {
      const page = await store.queryResults(main, { limit: 50, search: "name", outcomes: ["warning"], sort: "outcome", descending: true });
      expect(page.rows.map((row) => row.seq)).toEqual([13, 11]);
      expect(page.total).toBe(2);
    });

    it("sorts by every order, both ways, ties in seq order (reversed when descending)", async () => {
      for (const sort of RESULT_SORTS) {
        for (const descending of [false, true]) {
          expect(await seqs({ limit: 50, sort, descending }), `${sort} ${descending ? "desc" : "asc"}`).toEqual(expectedOrder(all, sort, descending));
        }
      }
      expect((await seqs({ limit: 3, sort: "name" })).slice(0, 1)).toEqual([10]);
      expect(await seqs({ limit: 3, sort: "name", offset: 7 })).toEqual([11, 12, 13]);
    });

    it("pages through every order, from either end, with the total of the whole filtered set", async () => {
      for (const sort of RESULT_SORTS) {
        for (const descending of [false, true]) {
          const order = expectedOrder(all, sort, descending);
          for (const [limit, offset] of [[3, 0], [3, 3], [3, 9], [3, 12], [5, 10], [4, 13], [1, 13], [13, 1], [14, 0]] as const) {
            const page = await store.queryResults(main, { limit, offset, sort, descending });
            expect(page.rows.map((row) => row.seq), `${sort} ${descending} ${limit}@${offset}`).toEqual(order.slice(offset, offset + limit));
            expect(page.total).toBe(MAIN.length);
          }
        }
      }
      const filtered = await store.queryResults(main, { limit: 2, offset: 3, outcomes: ["inserted"], sort: "name" });
      // Inserted, by name: 100% Bio (4), Anna Müller (1), Hey! Bang (8), Same Name (12), under_score Ltd (6).
      expect(filtered.rows.map((row) => row.seq)).toEqual([12, 6]);
      expect(filtered.total).toBe(5);
    });

    it("answers an offset past the end with no rows and the total still counted", async () => {
      expect(await store.queryResults(main, { limit: 10, offset: 14 })).toEqual({ rows: [], total: 14, totalIsLowerBound: false });
      expect(await store.queryResults(main, { limit: 10, offset: 1_000_000, search: "anna" })).toEqual({ rows: [], total: 2, totalIsLowerBound: false });
      expect(await store.queryResults(main, { limit: 10, offset: -5 })).toMatchObject({ total: 14 });
      expect((await store.queryResults(main, { limit: 10, offset: -5 })).rows).toHaveLength(10);
    });

    it(`clamps the page size to 1..${MAX_PAGE_SIZE}`, async () => {
      const huge = await store.queryResults(big, { limit: 5_000 });
      expect(huge.rows).toHaveLength(MAX_PAGE_SIZE);
      expect(huge.total).toBe(SEARCH_COUNT_CAP + 50);
      expect((await store.queryResults(big, { limit: Number.NaN })).rows).toHaveLength(MAX_PAGE_SIZE);
      expect((await store.queryResults(main, { limit: 0 })).rows.map((row) => row.seq)).toEqual([1]);
      expect((await store.queryResults(main, { limit: -3 })).rows.map((row) => row.seq)).toEqual([1]);
      expect((await store.queryResults(main, { limit: 2.9 })).rows.map((row) => row.seq)).toEqual([1, 2]);
    });

    it(`stops counting a search at ${SEARCH_COUNT_CAP} matches and says the total is a lower bound; pages stay right`, async () => {
      const every = (await store.queryResults(big, { limit: 1 })).total;
      const first = await store.queryResults(big, { limit: 20, search: "bulk", sort: "name" });
      expect(first.total).toBe(SEARCH_COUNT_CAP);
      expect(first.totalIsLowerBound).toBe(true);
      const names = first.rows.map((row) => row.displayName);
      expect(names).toEqual([...names].sort());
      const unsearched = await store.queryResults(big, { limit: 20, sort: "name" });
      expect(first.rows.map((row) => row.id)).toEqual(unsearched.rows.map((row) => row.id));
      const tail = await store.queryResults(big, { limit: 50, offset: every - 30, search: "BULK" });
      expect(tail.rows.map((row) => row.seq)).toEqual(Array.from({ length: 30 }, (_, i) => every - 29 + i));
      expect(tail).toMatchObject({ total: every, totalIsLowerBound: false });
      expect(await store.queryResults(big, { limit: 50, offset: every + 10, search: "bulk" })).toEqual({ rows: [], total: SEARCH_COUNT_CAP, totalIsLowerBound: true });
      const atCap = await store.queryResults(big, { limit: 3, offset: SEARCH_COUNT_CAP - 2, search: "big-0", sort: "externalId" });
      expect(atCap).toMatchObject({ total: SEARCH_COUNT_CAP, totalIsLowerBound: false });
      expect(atCap.rows.map((row) => row.externalId)).toEqual(["big-09998", "big-09999"]);
      const few = await store.queryResults(big, { limit: 5, search: "bulk", outcomes: ["error"], sort: "externalId", descending: true });
      expect(few).toMatchObject({ total: Math.ceil(every / 100), totalIsLowerBound: false });
      expect(few.rows.map((row) => row.externalId)).toEqual(["big-10000", "big-09900", "big-09800", "big-09700", "big-09600"]);
    });

    it("reads a contact's history across runs and jobs, newest first, with each run, and only that app's", async () => {
      const history = await store.contactHistory("CRM", "ext-001");
      expect(history.map((entry) => [entry.runId, entry.run.job, entry.outcome])).toEqual([
        [later, "hourly", "updated"],
        [main, "nightly", "inserted"],
      ]);
      expect(history[0]?.run).toMatchObject({ id: later, job: "hourly", trigger: "cli", status: "running", dryRun: true });
      expect(history[1]?.run).toMatchObject({ id: main, job: "nightly", trigger: "schedule", status: "partial", dryRun: false });
      expect(history[1]?.run.startedAt.getTime()).toBe((await store.getRun(main))?.startedAt.getTime());
      expect(history[0]?.detail?.sent?.numoffice).toBe("+39021234567");
      expect((await store.contactHistory("CRM", "ext-001", 1)).map((entry) => entry.runId)).toEqual([later]);
      expect((await store.contactHistory("ERP", "ext-001")).map((entry) => entry.runId)).toEqual([other]);
      expect(await store.contactHistory("CRM", "EXT-001")).toEqual([]);
      expect(await store.contactHistory("CRM", "nobody")).toEqual([]);
    });

    it("tells where a contact stands on each PBX, and nothing of another app's contact", async () => {
      const standing = await store.contactStanding("CRM", "ext-001");
      expect(standing.map((entry) => [entry.pbxKey, entry.pbxId, entry.displayName, entry.lastRunId])).toEqual([
        [PBX_A, "7000", "Anna Müller (Müller GmbH)", main],
        [PBX_B, "9001", "Anna Müller", later],
      ]);
      expect(standing[1]?.sent).toEqual({ name: "Anna", surname: "Müller" });
      expect(standing[0]?.confirmedAt?.getTime()).toBeGreaterThan(Date.now() - 600_000);
      expect((await store.contactStanding("ERP", "ext-001")).map((entry) => [entry.pbxKey, entry.pbxId, entry.sent])).toEqual([[PBX_A, "1", null]]);
      expect(await store.contactStanding("CRM", "ext-002")).toEqual([]);
    });

    it("lists each job with a run once, sorted, telling jobs apart by case", async () => {
      expect(await store.listJobs()).toEqual(["Nightly", "hourly", "nightly"]);
    });
  });
}

const dir = await tempDir("pbsync-report-queries-");
let files = 0;
describeReportQueries("SQLite", async () => ({ client: "sqlite", filename: path.join(dir, `report-${++files}.sqlite`) }));

describe("report queries on SQLite: query plans", () => {
  it("reads a contact's history and standing, sorted pages and deep pages through indexes: no scan and no sort of a table", async () => {
    const store = await openStore({ client: "sqlite", filename: path.join(dir, "plans.sqlite") });
    try {
      const runId = await store.createRun({ job: "j", appName: "CRM", trigger: "cli", pbx: PBX });
      const upserts = [PBX_A, PBX_B].map((pbxKey) => ({ scope: { pbxKey, appName: "CRM" }, upserts: [{ externalId: "ext-001", pbxId: "1", contactHash: "h".repeat(40), sourceHash: "s" }] }));
      await store.recordResults(runId, MAIN.map((fixture, i) => resultOf(fixture, i)), upserts[0]);
      await store.recordResults(runId, [], upserts[1]);
      const statements: Array<{ sql: string; bindings: readonly Knex.RawBinding[] }> = [];
      const listen = (query: { sql: string; bindings?: readonly Knex.RawBinding[] }) => statements.push({ sql: query.sql, bindings: query.bindings ?? [] });
      store.knex.on("query", listen);
      await store.contactHistory("CRM", "ext-001");
      expect(await store.contactStanding("CRM", "ext-001")).toHaveLength(2);
      for (const sort of RESULT_SORTS) for (const descending of [false, true]) await store.queryResults(runId, { limit: 2, offset: 9, sort, descending });
      await store.queryResults(runId, { limit: 2, outcomes: ["error"] });
      store.knex.off("query", listen);
      expect(statements.length).toBeGreaterThan(10);
      for (const { sql, bindings } of statements) {
        const plan = ((await store.knex.raw(`explain query plan ${sql}`, bindings)) as Array<{ detail: string }>).map((step) => step.detail).join("; ");
        expect(plan, sql).not.toMatch(/SCAN contact_results|SCAN contact_state/);
        // Sorting a contact's few state rows by PBX is fine; sorting a run's rows is not.
        if (sql.includes("contact_results")) expect(plan, sql).not.toMatch(/TEMP B-TREE/);
      }
    } finally {
      await store.close();
    }
  });
});

const found = dbServer("mysqlServer");
if ("unavailable" in found) {
  // A missing server is a failure, as in the other MariaDB test files: the setup brings one up or says why not.
  describe("report queries on MariaDB", () => {
    it("has a MariaDB server to run on", () => {
      throw new Error(`cannot run: ${found.unavailable}`);
    });
  });
} else {
  const { server } = found;
  describeReportQueries("MariaDB", async () => ({ client: "mysql", connection: (await freshDatabase(server, "report_queries")).connection }));

  describe("report queries on MariaDB: indexes", () => {
    it("has migration 000008's indexes on contact_results and contact_state", async () => {
      const fresh = await freshDatabase(server, "report_indexes");
      const store = await openStore({ client: "mysql", connection: fresh.connection });
      try {
        const [rows] = (await fresh.knex.raw(
          "select concat(table_name, '.', index_name) as name, group_concat(column_name order by seq_in_index) as columns from information_schema.statistics where table_schema = ? group by table_name, index_name",
          [fresh.database],
        )) as [Array<{ name: string; columns: string }>];
        const indexes = Object.fromEntries(rows.map((row) => [row.name, row.columns]));
        expect(indexes).toMatchObject({
          "contact_results.contact_results_contact_idx": "uc_app_name,uc_external_id",
          "contact_results.contact_results_run_name_idx": "run_id,display_name",
          "contact_results.contact_results_run_external_idx": "run_id,uc_external_id",
          "contact_state.contact_state_contact_idx": "app_name,external_id",
        });
      } finally {
        await store.close();
      }
    });
  });
}
