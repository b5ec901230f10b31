// The store's behaviour, written once and run against every database client (SQLite here, MariaDB later).
import { afterEach, describe, expect, it } from "vitest";
import { isSyncError } from "../../src/errors.js";
import { clearSecrets, registerSecret } from "../../src/redact.js";
import {
  COUNT_KEYS,
  MIGRATION_NAMES,
  OUTCOMES,
  RESULTS_PAGE_SIZE,
  openStore,
  type ContactResultInput,
  type ContactResultRow,
  type Outcome,
  type RunCounts,
  type SqlStore,
  type StoreOptions,
} from "../../src/store/index.js";
import { describeLockSuite } from "./store-locks-suite.js";
import { describeSourceRefsSuite } from "./store-source-refs-suite.js";
import { describeStateSuite } from "./store-state-suite.js";

export interface StoreSuiteSetup {
  /** Options for a fresh, empty store; called once per test. */
  makeOptions: () => Promise<StoreOptions>;
  /** Options that cannot open (bad path, wrong password...), and the words the error must and must not contain. */
  badOptions?: () => Promise<{ options: StoreOptions; mentions: string; secret?: string }>;
}

export function row(n: number, outcome: Outcome = "inserted", extra: Partial<ContactResultInput> = {}): ContactResultInput {
  return { ref: `line ${n}`, appName: "crm", externalId: `ext-${n}`, displayName: `Contact ${n}`, outcome, ...extra };
}

export function zeroCounts(): RunCounts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;
}

async function collect(rows: AsyncIterable<ContactResultRow>): Promise<ContactResultRow[]> {
  const out: ContactResultRow[] = [];
  for await (const item of rows) out.push(item);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

export function describeStoreSuite(name: string, setup: StoreSuiteSetup): void {
  describe(`store on ${name}`, () => {
    const opened: SqlStore[] = [];
    const open = async (options?: StoreOptions): Promise<SqlStore> => {
      const store = await openStore(options ?? (await setup.makeOptions()));
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it("migrates on open, and opening again changes nothing and keeps the data", async () => {
      const options = await setup.makeOptions();
      const first = await open(options);
      const runId = await first.createRun({ job: "nightly", appName: "crm", trigger: "cli", pbx: "https://pbx.example/PBX/seri_endpoint.php" });
      await first.close();
      const second = await open(options);
      const names = (await second.knex("knex_migrations").select("name").orderBy("id")) as Array<{ name: string }>;
      expect(names.map((entry) => entry.name)).toEqual([...MIGRATION_NAMES]);
      expect((await second.getRun(runId))?.job).toBe("nightly");
    });

    it("records a run from start to finish with its counts, status and error", async () => {
      const store = await open();
      const before = Date.now();
      const runId = await store.createRun({ job: "nightly", appName: "crm", trigger: "schedule", pbx: "https://pbx.example/PBX/seri_endpoint.php?token=***", dryRun: true });
      const started = await store.getRun(runId);
      expect(started).toMatchObject({ id: runId, job: "nightly", appName: "crm", trigger: "schedule", status: "running", dryRun: true, endedAt: null, error: null, pid: process.pid });
      expect(started?.counts).toEqual(zeroCounts());
      expect(started?.startedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(started?.host).toBeTruthy();

      await store.updateRunCounts(runId, { read: 40, inserted: 12 });
      const running = await store.getRun(runId);
      expect(running?.counts).toEqual({ ...zeroCounts(), read: 40, inserted: 12 });
      expect(running?.status).toBe("running");

      const final = { ...zeroCounts(), read: 100, inserted: 60, updated: 20, unchanged: 15, errors: 5 };
      await store.finishRun(runId, { status: "partial", counts: final, error: "5 contacts failed" });
      const done = await store.getRun(runId);
      expect(done).toMatchObject({ status: "partial", error: "5 contacts failed", counts: final });
      expect(done?.endedAt?.getTime()).toBeGreaterThanOrEqual(done?.startedAt.getTime() ?? Infinity);
    });

    it("answers RUN_NOT_FOUND for writes to a run that does not exist, and undefined for reads", async () => {
      const store = await open();
      expect(await store.getRun(424242)).toBeUndefined();
      // Each call made only when the previous failure is in hand: a promise rejected before anyone awaits
      // it is an unhandled rejection on an asynchronous driver (MariaDB).
      for (const attempt of [
        () => store.updateRunCounts(424242, { read: 1 }),
        () => store.finishRun(424242, { status: "success", counts: zeroCounts() }),
        () => store.recordResults(424242, [row(1)]),
      ]) {
        const err = await failure(attempt());
        expect(isSyncError(err, "RUN_NOT_FOUND"), String(err)).toBe(true);
      }
    });

    it("numbers results in order across calls, including calls made without waiting", async () => {
      const store = await open();
      const runId = await store.createRun({ job: "j", appName: "crm", trigger: "cli", pbx: "x" });
      await store.recordResults(runId, [row(1), row(2, "warning", { info: "number dropped" })]);
      await store.recordResults(runId, [row(3, "skipped")]);
      await Promise.all([store.recordResults(runId, [row(4), row(5)]), store.recordResults(runId, [row(6)]), store.recordResults(runId, [])]);
      const rows = await collect(store.results(runId));
      expect(rows.map((item) => [item.seq, item.ref])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, `line ${n}`]));
      expect(rows[1]).toMatchObject({ runId, outcome: "warning", info: "number dropped", appName: "crm", externalId: "ext-2", displayName: "Contact 2" });
      expect(rows[0]).toMatchObject({ action: null, pbxId: null, info: null });
    });

    it("records 10,000 results in one call", async () => {
      const store = await open();
      const runId = await store.createRun({ job: "j", appName: "crm", trigger: "cli", pbx: "x" });
      const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1, i % 10 === 0 ? "error" : "inserted", { action: "insert", pbxId: String(9000 + i) }));
      await store.recordResults(runId, rows);
      const counts = await store.countResults(runId);
      expect(counts.error).toBe(1000);
      expect(counts.inserted).toBe(9000);
      const read = await collect(store.results(runId));
      expect(read).toHaveLength(10_000);
      expect(read[9999]).toMatchObject({ seq: 10_000, ref: "line 10000", pbxId: "18999", action: "insert" });
    });

    it("filters results by outcome and keeps each run's rows apart", async () => {
      const store = await open();
      const runA = await store.createRun({ job: "a", appName: "crm", trigger: "cli", pbx: "x" });
      const runB = await store.createRun({ job: "b", appName: "crm", trigger: "cli", pbx: "x" });
      await store.recordResults(runA, [row(1), row(2, "error"), row(3, "warning"), row(4, "error"), row(5, "deleted", { action: "delete" })]);
      await store.recordResults(runB, [row(10, "error")]);
      const errors = await collect(store.results(runA, { outcomes: ["error"] }));
      expect(errors.map((item) => item.ref)).toEqual(["line 2", "line 4"]);
      const attention = await collect(store.results(runA, { outcomes: ["warning", "error"] }));
      expect(attention.map((item) => item.seq)).toEqual([2, 3, 4]);
      expect(await collect(store.results(runA, { outcomes: [] }))).toEqual([]);
      expect((await collect(store.results(runB))).map((item) => item.ref)).toEqual(["line 10"]);
    });

    it("streams results page by page in recorded order, with limit and offset", async () => {
      const store = await open();
      const runId = await store.createRun({ job: "j", appName: "crm", trigger: "cli", pbx: "x" });
      const total = RESULTS_PAGE_SIZE * 2 + 500;
      await store.recordResults(runId, Array.from({ length: total }, (_, i) => row(i + 1, i % 2 === 0 ? "inserted" : "updated")));
      const selects: string[] = [];
      const onQuery = (query: { sql: string }) => {
        if (/^select \*/i.test(query.sql)) selects.push(query.sql);
      };
      store.knex.on("query", onQuery);
      const all = await collect(store.results(runId));
      store.knex.off("query", onQuery);
      expect(all.map((item) => item.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(all.every((item, i) => i === 0 || item.id > (all[i - 1]?.id ?? Infinity))).toBe(true);
      // three pages, each one query with a LIMIT: the run never sits whole in memory
      expect(selects).toHaveLength(3);
      expect(selects.every((sql) => /limit/i.test(sql))).toBe(true);

      const window = await collect(store.results(runId, { offset: 995, limit: 10 }));
      expect(window.map((item) => item.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 996 + i));
      // every second row is "updated": seq 2, 4, ..., total; the offset skips the first of them
      const updated = await collect(store.results(runId, { outcomes: ["updated"], offset: 1 }));
      expect(updated).toHaveLength(total / 2 - 1);
      expect(updated[0]?.seq).toBe(4);
      expect(updated.at(-1)?.seq).toBe(total);
    });

    it("counts results by outcome, with zero for outcomes that did not happen", async () => {
      const store = await open();
      const runId = await store.createRun({ job: "j", appName: "crm", trigger: "cli", pbx: "x" });
      await store.recordResults(runId, [row(1, "invalid"), row(2, "invalid"), row(3, "duplicate"), row(4, "unconfirmed")]);
      const counts = await store.countResults(runId);
      expect(Object.keys(counts).sort()).toEqual([...OUTCOMES].sort());
      expect(counts).toMatchObject({ invalid: 2, duplicate: 1, unconfirmed: 1, inserted: 0, deleted: 0 });
    });

    it("lists runs newest first, by job, with limit and offset, and finds the latest", async () => {
      const store = await open();
      expect(await store.latestRun()).toBeUndefined();
      expect(await store.listRuns()).toEqual([]);
      const ids: number[] = [];
      for (const job of ["crm", "erp", "crm", "crm", "erp"]) ids.push(await store.createRun({ job, appName: job, trigger: "schedule", pbx: "x" }));
      expect((await store.listRuns()).map((run) => run.id)).toEqual([...ids].reverse());
      expect((await store.listRuns({ limit: 2 })).map((run) => run.id)).toEqual([ids[4], ids[3]]);
      expect((await store.listRuns({ limit: 2, offset: 1 })).map((run) => run.id)).toEqual([ids[3], ids[2]]);
      expect((await store.listRuns({ offset: 3 })).map((run) => run.id)).toEqual([ids[1], ids[0]]);
      expect((await store.listRuns({ job: "crm" })).map((run) => run.id)).toEqual([ids[3], ids[2], ids[0]]);
      expect((await store.listRuns({ job: "CRM" })).map((run) => run.id)).toEqual([]);
      expect((await store.latestRun())?.id).toBe(ids[4]);
      expect((await store.latestRun("crm"))?.id).toBe(ids[3]);
      expect(await store.latestRun("nobody")).toBeUndefined();
    });

    it("keeps any text a CRM holds and clips what would not fit a column", async () => {
      const store = await open();
      const runId = await store.createRun({ job: "j", appName: "crm", trigger: "cli", pbx: "x" });
      const name = "Zoë Ŝtraße 😀 (Ñandú S.p.A.) \"quoted\", comma\nnewline";
      await store.recordResults(runId, [row(1, "warning", { displayName: name, info: "x".repeat(20_000), externalId: "e".repeat(300) })]);
      const [stored] = await collect(store.results(runId));
      expect(stored?.displayName).toBe(name);
      expect(stored?.info?.length).toBeLessThan(20_000);
      expect(stored?.info?.endsWith("…")).toBe(true);
      expect(stored?.externalId).toHaveLength(255);
    });

    it("masks the PBX token in what it stores, even when a caller forgets to", async () => {
      const store = await open();
      const token = "tok-5ecret-9f8e7d";
      registerSecret(token);
      try {
        const runId = await store.createRun({ job: "j", appName: "crm", trigger: "cli", pbx: `https://pbx.example/PBX/seri_endpoint.php?service=x&token=${token}` });
        await store.recordResults(runId, [row(1, "error", { info: `POST https://pbx.example/?token=${token} failed` })]);
        await store.finishRun(runId, { status: "failed", counts: zeroCounts(), error: `PBX_HTTP_STATUS at ${token}` });
        const run = await store.getRun(runId);
        const [result] = await collect(store.results(runId));
        const stored = JSON.stringify({ run, result });
        expect(stored).not.toContain(token);
        expect(run?.pbx).toBe("https://pbx.example/PBX/seri_endpoint.php?service=x&token=***");
        expect(result?.info).toBe("POST https://pbx.example/?token=*** failed");
      } finally {
        clearSecrets();
      }
    });

    it("refuses a run id that is not a whole positive number", async () => {
      const store = await open();
      const err = await failure(store.recordResults(0, [row(1)]));
      expect(isSyncError(err, "RUN_NOT_FOUND")).toBe(true);
    });

    if (setup.badOptions) {
      const bad = setup.badOptions;
      it("fails to open with STORE_FAILED naming the store and never its password", async () => {
        const { options, mentions, secret } = await bad();
        const err = await failure(openStore(options));
        expect(isSyncError(err, "STORE_FAILED"), String(err)).toBe(true);
        const text = `${(err as Error).message}\n${(err as Error).stack ?? ""}`;
        expect(text).toContain(mentions);
        if (secret) expect(text).not.toContain(secret);
      });
    }
  });

  describeLockSuite(name, setup);
  describeStateSuite(name, setup);
  describeSourceRefsSuite(name, setup);
}

/** Texts a spreadsheet or a table could trip over, each in a report row of the seeded "erp" run. */
export const TRICKY = {
  commaQuotes: 'Rossi, "Gigi" Luigi',
  newline: "first line\nsecond line",
  formula: "=cmd|' /C calc'!A0",
  phone: "+390212345678",
  minus: "-1",
  at: "@SUM(A1:A2)",
  tab: "\tindented",
} as const;

/**
 * A store with three runs, at fixed times, for the reports tests:
 * "crm" (schedule, success, 3 rows), "erp" (cli, partial, 7 tricky rows + 150 warnings), "crm" again (failed, dry run).
 */
export async function seedReports(filename: string): Promise<{ crm: number; erp: number; failed: number }> {
  const store = await openStore({ client: "sqlite", filename });
  try {
    const crm = await store.createRun({ job: "crm", appName: "crm-contacts", trigger: "schedule", pbx: "https://pbx.example/PBX/seri_endpoint.php" });
    await store.recordResults(crm, [
      row(2, "inserted", { action: "insert", pbxId: "501" }),
      row(3, "updated", { action: "update", pbxId: "502" }),
      row(4, "skipped", { externalId: null, info: "no name, surname or company" }),
    ]);
    await store.finishRun(crm, { status: "success", counts: { ...zeroCounts(), read: 120, inserted: 1, updated: 1, unchanged: 117, skipped: 1 } });

    const erp = await store.createRun({ job: "erp", appName: "erp", trigger: "cli", pbx: "https://pbx.example/PBX/seri_endpoint.php" });
    await store.recordResults(erp, [
      row(10, "error", { displayName: TRICKY.commaQuotes, info: TRICKY.newline }),
      row(11, "rejected", { info: TRICKY.formula }),
      row(12, "warning", { externalId: TRICKY.phone, action: "insert", pbxId: "77", info: TRICKY.minus }),
      row(13, "invalid", { externalId: null, displayName: TRICKY.at, info: "numoffice: only digits" }),
      row(14, "duplicate", { ref: TRICKY.tab, info: "uc_external_id ext-14 also on line 9" }),
      row(15, "unconfirmed", { info: "the PBX answer does not mention this contact" }),
      row(16, "deleted", { action: "delete", pbxId: "78", detail: { sent: { name: "Contact", surname: "16", numoffice: "+39021600" } } }),
    ]);
    await store.recordResults(
      erp,
      Array.from({ length: 150 }, (_, i) => row(100 + i, "warning", {
          action: "update",
          pbxId: String(1000 + i),
          info: "numfax dropped: not a number",
          detail: { sent: { company: "Acme Srl", numoffice: "+3902100" }, before: { company: "Acme", numfax: "+3902199" } },
        }),
      ),
    );
    await store.finishRun(erp, {
      status: "partial",
      counts: { ...zeroCounts(), read: 300, inserted: 1, updated: 150, warnings: 151, invalid: 1, duplicates: 1, rejected: 1, errors: 1, unconfirmed: 1, deleted: 1, unchanged: 140 },
    });

    const failed = await store.createRun({ job: "crm", appName: "crm-contacts", trigger: "schedule", pbx: "https://pbx.example/PBX/seri_endpoint.php", dryRun: true });
    await store.finishRun(failed, { status: "failed", counts: zeroCounts(), error: "SOURCE_SQL: connect ECONNREFUSED 127.0.0.1:3306" });

    // Fixed times, so reports print the same on every run of the tests.
    const times: Array<[number, string, string]> = [
      [crm, "2025-03-01T09:00:00.000Z", "2025-03-01T09:00:08.200Z"],
      [erp, "2025-03-02T13:30:00.000Z", "2025-03-02T13:34:05.000Z"],
      [failed, "2025-03-03T01:00:00.000Z", "2025-03-03T01:00:00.400Z"],
    ];
    for (const [id, started, ended] of times) await store.knex("runs").where({ id }).update({ started_at: started, ended_at: ended });
    return { crm, erp, failed };
  } finally {
    await store.close();
  }
}
