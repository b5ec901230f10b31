// The run's plumbing never lets a failure escape: the task pool's rejections, the result writer's store errors, retry's listeners.
import { getEventListeners } from "node:events";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { openStore, type ContactResultInput, type SqlStore } from "../../src/store/index.js";
import { TaskPool } from "../../src/sync/pool.js";
import { ResultWriter } from "../../src/sync/result-writer.js";
// A namespace import: a missing export fails only the test that uses it, not the whole file.
import * as retry from "../../src/sync/retry.js";
import { tempDir } from "../helpers/temp.js";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Unhandled rejections and process warnings seen during one test. */
let unhandled: unknown[] = [];
let warnings: Error[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  unhandled = [];
  warnings = [];
  process.on("unhandledRejection", onUnhandled);
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("warning", onWarning);
});

describe("TaskPool", () => {
  it("keeps a task's rejection from going unhandled and throws it from the next drain()", async () => {
    const pool = new TaskPool(2);
    const boom = new Error("task broke");
    await pool.submit(async () => {
      await tick(5);
      throw boom;
    });
    // Nobody waits on the pool while the task fails: that is when an unobserved rejection would surface.
    await tick(50);
    expect(unhandled).toEqual([]);
    await expect(pool.drain()).rejects.toBe(boom);
    // Thrown once: the pool goes on after it.
    await expect(pool.drain()).resolves.toBeUndefined();
  });

  it("catches a task that throws before its first await, and throws it from the next submit()", async () => {
    const pool = new TaskPool(1);
    const boom = new Error("thrown synchronously");
    const syncThrow = (): Promise<void> => {
      throw boom;
    };
    await expect(pool.submit(syncThrow)).resolves.toBeUndefined();
    await tick(20);
    expect(unhandled).toEqual([]);
    let ran = false;
    await expect(pool.submit(async () => void (ran = true))).rejects.toBe(boom);
    expect(ran).toBe(false);
    await pool.drain();
  });

  it("settle() waits for every task and forgets their failures", async () => {
    const pool = new TaskPool(3);
    let finished = 0;
    for (let i = 0; i < 3; i++) {
      await pool.submit(async () => {
        await tick(30 + i * 10);
        finished++;
        if (i !== 1) throw new Error(`task ${i} broke`);
      });
    }
    await pool.settle();
    expect(finished).toBe(3);
    await expect(pool.drain()).resolves.toBeUndefined();
    expect(unhandled).toEqual([]);
  });
});

describe("ResultWriter on a store whose writes fail", () => {
  let store: SqlStore;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await store.close();
  });

  const scope = { pbxKey: "pbx-test", appName: "CRM" };
  const rowsFor = (from: number, count: number): ContactResultInput[] =>
    Array.from({ length: count }, (_, i) => ({ ref: `line ${from + i}`, appName: "CRM", externalId: String(from + i), outcome: "inserted" as const, action: "insert" as const }));
  const upsertsFor = (rows: readonly ContactResultInput[]) => rows.map((row) => ({ externalId: String(row.externalId), pbxId: `p${String(row.externalId)}`, contactHash: "c", sourceHash: "s" }));

  async function openWithRun(): Promise<number> {
    store = await openStore({ client: "sqlite", filename: path.join(dir, "store.sqlite") });
    return store.createRun({ job: "crm", appName: "CRM", trigger: "cli", pbx: "http://pbx.test/" });
  }

  async function failWrites(): Promise<void> {
    await store.knex.raw("CREATE TRIGGER fail_results BEFORE INSERT ON contact_results BEGIN SELECT RAISE(FAIL, 'disk I/O error (injected)'); END");
  }

  it("never rejects, keeps the first failure as STORE_FAILED, calls onFailure once, and writes again once the store heals", async () => {
    const runId = await openWithRun();
    const failures: SyncError[] = [];
    const writer = new ResultWriter(store, runId, scope, (error) => failures.push(error));
    await failWrites();

    // 600 rows: add() itself writes a chunk of 500, then flush() the rest; both writes fail.
    const lost = rowsFor(1, 600);
    await expect(writer.add(lost, { upserts: upsertsFor(lost) })).resolves.toBeUndefined();
    await expect(writer.flush()).resolves.toBeUndefined();
    await expect(writer.add(rowsFor(601, 10))).resolves.toBeUndefined();
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(unhandled).toEqual([]);
    expect(writer.failure).toBeInstanceOf(SyncError);
    expect(writer.failure?.code).toBe("STORE_FAILED");
    expect(writer.failure?.message).toMatch(/disk I\/O error \(injected\)/);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBe(writer.failure);
    expect(writer.lostRows).toBe(610);

    // The chain is not stuck on the failed writes: the next one goes through, with its state change.
    await store.knex.raw("DROP TRIGGER fail_results");
    const healed = rowsFor(700, 3);
    await writer.add(healed, { upserts: upsertsFor(healed) });
    await writer.flush();
    const written: string[] = [];
    for await (const row of store.results(runId)) written.push(String(row.externalId));
    expect(written).toEqual(["700", "701", "702"]);
    const state = await store.contactState(scope).lookup(["1", "700"]);
    expect([...state.keys()]).toEqual(["700"]);
    expect(failures).toHaveLength(1);
  });
});

describe("retry's sleep", () => {
  it("leaves no abort listener behind after 50 sleeps on one signal, and no MaxListenersExceededWarning", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await retry.sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await tick(20);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("leaves no abort listener behind after 50 retried calls on one signal", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) {
      const result = await retry.withRetry(
        (attempt) => (attempt === 1 ? Promise.reject(new SyncError("PBX_TIMEOUT", "slow")) : Promise.resolve(attempt)),
        { attempts: 2, minDelayMs: 1, maxDelayMs: 1 },
        { signal: controller.signal },
      );
      expect(result).toBe(2);
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await tick(20);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("ends early when its signal aborts, and removes its listener then too", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = retry.sleep(10_000, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
