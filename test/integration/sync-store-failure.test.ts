// A store that stops taking writes in the middle of a run (SQLite triggers that raise): the run says so, ends on record, and the next run repairs.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSync, type SyncRunOptions } from "../../src/cli/sync-runner.js";
import { parseConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/store/index.js";
import type { RunSummary } from "../../src/sync/run-job.js";
import { row, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

const FAIL_RESULTS = "CREATE TRIGGER fail_results BEFORE INSERT ON contact_results BEGIN SELECT RAISE(FAIL, 'disk I/O error (injected)'); END";
// Every write of results also touches its run row (to lock it), so this one fails the results and the run's end.
const FAIL_RUNS = "CREATE TRIGGER fail_runs BEFORE UPDATE ON runs BEGIN SELECT RAISE(FAIL, 'disk I/O error (injected)'); END";

let env: SyncEnv;
let storeFile: string;
let configText: string;
beforeAll(async () => {
  env = await syncEnv("tok-STOREFAIL-5d0e");
  storeFile = path.join(env.dir, "store.sqlite");
  // Small batches: a run is many requests long, and the writer's first chunk (500 rows) comes after several.
  configText = (await readFile(env.configFile, "utf8")).replace("defaults: {", "defaults: { batchSize: 100,");
  await writeFile(env.configFile, configText);
});
afterAll(() => env.close());

let started = false;
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
  // Each test starts from an empty PBX and a store that agrees (the store file exists after the first test).
  env.emulator.phonebook.clear();
  env.emulator.faults.clear();
  if (started) sql((db) => db.exec("DELETE FROM contact_state"));
  started = true;
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  // A test that failed half-way must not leave the store broken for the next one.
  sql((db) => db.exec("DROP TRIGGER IF EXISTS fail_results; DROP TRIGGER IF EXISTS fail_runs"));
});

/** A second connection to the store's file, the way another process (or a full disk) would reach it. */
function sql<T>(work: (db: Database.Database) => T): T {
  const db = new Database(storeFile);
  try {
    db.pragma("busy_timeout = 10000");
    return work(db);
  } finally {
    db.close();
  }
}

function source(count: number): string[] {
  return Array.from({ length: count }, (_, i) => row(i + 1));
}

/** One in-process sync with the test's config (batchSize 100); `onOutput` sees the summary as it is printed. */
async function sync(options: SyncRunOptions & { onOutput?: (text: string) => void } = {}): Promise<{ summary: RunSummary; output: string }> {
  let output = "";
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      options.onOutput?.(chunk.toString());
      done();
    },
  });
  const [summary] = await runSync(parseConfig(configText, env.configFile), { out, logger: silentLogger, ...options });
  if (!summary) throw new Error("no run");
  return { summary, output };
}

async function waitForRequest(service: string, from: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!env.emulator.requestLog.slice(from).some((entry) => entry.service === service)) {
    if (Date.now() > deadline) throw new Error(`no ${service} request within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function lockRows(): Promise<unknown[]> {
  const store = await openStore({ client: "sqlite", filename: storeFile }, { mustExist: true });
  try {
    return (await store.knex("job_locks").select()) as unknown[];
  } finally {
    await store.close();
  }
}

function crmContacts() {
  return env.emulator.phonebook.all().filter((contact) => contact.uc_app_name === "CRM");
}

/** The phonebook holds the source's contacts 1..count, each once, with the source's names. */
function expectPhonebookEquals(count: number): void {
  const stored = crmContacts();
  const ids = stored.map((contact) => Number(contact.uc_external_id)).sort((a, b) => a - b);
  expect(ids).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  for (const contact of stored) expect(contact.name).toBe(`Name ${String(contact.uc_external_id)}`);
}

describe("a store that fails while a run pushes", () => {
  it("fails the run STORE_FAILED, counts the confirmed contacts as inserted and only the unsent ones as errors, and the next run converges", async () => {
    const COUNT = 2_000;
    await env.writeSource(source(COUNT));
    env.emulator.faults.add({ service: "phonebook_import_sync", delayMs: 200, times: 1_000 });
    const from = env.emulator.requestLog.length;
    const running = sync({ full: true });
    // The first batch was confirmed; the writer's first chunk of 500 rows is still to come.
    await waitForRequest("phonebook_import_sync", from);
    sql((db) => db.exec(FAIL_RESULTS));
    const { summary } = await running;

    expect(unhandled).toEqual([]);
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/^(stopped: )?STORE_FAILED: .*disk I\/O error \(injected\)/);
    expect(summary.recordError).toBeNull();
    const onPbx = crmContacts().length;
    expect(onPbx).toBeGreaterThan(0);
    expect(onPbx).toBeLessThan(COUNT);
    expect(summary.counts.inserted).toBe(onPbx);
    expect(summary.counts.errors).toBe(summary.counts.read - onPbx);
    expect(summary.counts.errors).toBeGreaterThan(0);
    expect(await lockRows()).toEqual([]);
    const { run } = await env.latest();
    expect(run).toMatchObject({ id: summary.runId, status: "failed" });
    expect(run.error).toMatch(/STORE_FAILED/);

    sql((db) => db.exec("DROP TRIGGER fail_results"));
    env.emulator.faults.clear();
    const again = await sync();
    expect(again.summary).toMatchObject({ status: "success", error: null, recordError: null });
    expect(again.summary.counts.inserted + again.summary.counts.updated + again.summary.counts.unchanged).toBe(COUNT);
    expectPhonebookEquals(COUNT);
    expect(unhandled).toEqual([]);
  });

  it("stops the run STORE_FAILED, not as a source failure, when the state cannot be looked up mid-read", async () => {
    const COUNT = 2_000;
    await env.writeSource(source(COUNT));
    env.emulator.faults.add({ service: "phonebook_import_sync", delayMs: 200, times: 1_000 });
    const from = env.emulator.requestLog.length;
    const running = sync({ full: true });
    // The first 500 records were classified; the lookup of the next 500 finds no table.
    await waitForRequest("phonebook_import_sync", from);
    sql((db) => db.exec("ALTER TABLE contact_state RENAME TO contact_state_away"));
    let summary: RunSummary;
    try {
      ({ summary } = await running);
    } finally {
      sql((db) => db.exec("ALTER TABLE contact_state_away RENAME TO contact_state"));
    }

    expect(unhandled).toEqual([]);
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/STORE_FAILED: .*contact_state/);
    expect(summary.error).not.toMatch(/source read failed/);
    expect(summary.transient).toBe(true);
    const onPbx = crmContacts().length;
    expect(summary.counts.inserted).toBe(onPbx);
    // Every record read is accounted for: on the PBX, or an error (unsent, or left unclassified by the lookup).
    expect(summary.counts.inserted + summary.counts.errors).toBe(summary.counts.read);
    expect(summary.counts.read).toBeLessThan(COUNT);
    expect(await lockRows()).toEqual([]);

    env.emulator.faults.clear();
    const again = await sync();
    expect(again.summary).toMatchObject({ status: "success", error: null });
    expectPhonebookEquals(COUNT);
  });

  it("counts a deletion whose report write fails once, as deleted and never as an error", async () => {
    await env.writeSource(source(700));
    await sync({ full: true, allowMassDelete: true });
    expect(crmContacts()).toHaveLength(700);
    await env.writeSource(source(100));
    sql((db) => db.exec(FAIL_RESULTS));
    // 600 to delete: the writer's first chunk of 500 "deleted" rows is written (and fails) inside the deletions.
    const { summary } = await sync({ allowMassDelete: true });

    expect(unhandled).toEqual([]);
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/STORE_FAILED/);
    const removed = 700 - crmContacts().length;
    expect(removed).toBeGreaterThanOrEqual(500);
    expect(summary.counts.deleted).toBe(removed);
    expect(summary.counts.errors).toBe(0);
    expect(await lockRows()).toEqual([]);
    expect((await env.latest()).run.status).toBe("failed");

    // The state of the deleted contacts was not written: the next run deletes them again, "already gone".
    sql((db) => db.exec("DROP TRIGGER fail_results"));
    const again = await sync({ allowMassDelete: true });
    expect(again.summary).toMatchObject({ status: "success", counts: { deleted: 600, errors: 0, unchanged: 100 } });
    expectPhonebookEquals(100);
  });
});

describe("a store that cannot record the end of a run", () => {
  it("returns the failed run's summary with recordError, and records it failed once the store heals during the retries", async () => {
    await env.writeSource(source(50));
    sql((db) => db.exec(FAIL_RUNS));
    let printed = false;
    const { summary, output } = await sync({
      full: true,
      // The summary is printed after the run's own retries of its end gave up, before runSync's retries.
      onOutput: () => {
        if (printed) return;
        printed = true;
        sql((db) => db.exec("DROP TRIGGER fail_runs"));
      },
    });

    expect(unhandled).toEqual([]);
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/STORE_FAILED/);
    expect(summary.recordError).toMatch(/^STORE_FAILED: cannot finish run \d+/);
    expect(output).toMatch(/not on record: the store did not take the run's end/);
    expect(summary.counts.inserted).toBe(50);
    const { run } = await env.latest();
    expect(run).toMatchObject({ id: summary.runId, status: "failed", error: summary.error });
    expect(run.endedAt).not.toBeNull();
    expect(await lockRows()).toEqual([]);
  });

  it("leaves the run running while the store stays broken, and the next run marks it aborted", async () => {
    await env.writeSource(source(50));
    sql((db) => db.exec(FAIL_RUNS));
    const { summary } = await sync({ full: true });
    expect(unhandled).toEqual([]);
    expect(summary.status).toBe("failed");
    expect(summary.recordError).toMatch(/STORE_FAILED/);
    expect((await env.latest()).run).toMatchObject({ id: summary.runId, status: "running" });

    sql((db) => db.exec("DROP TRIGGER fail_runs"));
    const again = await sync();
    expect(again.summary).toMatchObject({ status: "success", recordError: null });
    expectPhonebookEquals(50);
    const store = await openStore({ client: "sqlite", filename: storeFile }, { mustExist: true });
    try {
      const old = await store.getRun(summary.runId ?? 0);
      expect(old?.status).toBe("aborted");
      expect(old?.error).toMatch(/^interrupted/);
    } finally {
      await store.close();
    }
  });
});
