// Job locks and interrupted runs, written once and run against every database client (part of the store suite).
import { spawn } from "node:child_process";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { isSyncError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { COUNT_KEYS, openStore, type JobLock, type RunCounts, type SqlStore, type StoreOptions } from "../../src/store/index.js";
import { Collector } from "../helpers/collect.js";
import { startLockRace } from "../helpers/lock-race.js";
import type { StoreSuiteSetup } from "./store-suite.js";
import { failure } from "../helpers/failure.js";
import { signal, withDeadline } from "../helpers/wait.js";

interface LockRow {
  job: string;
  owner: string;
  pid: number;
  host: string;
  run_id: number | null;
  acquired_at: string;
  heartbeat_at: string;
}

const HOST = os.hostname();

async function lockRow(store: SqlStore, job: string): Promise<LockRow | undefined> {
  return (await store.knex("job_locks").where({ job }).first()) as LockRow | undefined;
}

/** A logger whose JSON lines the test can read. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<{ level: number; msg: string } & Record<string, unknown>> } {
  const out = new Collector();
  return {
    logger: createLogger({ destination: out, level: "debug" }),
    lines: () => out.text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string }),
  };
}

/**
 * The system clock, counting its reads: a lock reads its clock once as it is taken and once at the start of each
 * heartbeat, and starts no heartbeat while one is still writing. So once the clock has been read twice after the
 * lock was taken, the first heartbeat's write is done.
 */
function countingClock(): { now: () => Date; reads: () => number; readsReach: (count: number, what: string) => Promise<void> } {
  let reads = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    now: () => {
      reads += 1;
      for (const waiter of waiters.filter((entry) => entry.count <= reads)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      return new Date();
    },
    reads: () => reads,
    readsReach: (count, what) => {
      if (reads >= count) return Promise.resolve();
      const reached = signal();
      waiters.push({ count, resolve: reached.resolve });
      return withDeadline(reached.promise, { timeoutMs: 5_000, what: () => `${what} (the clock was read ${reads} of ${count} times)` });
    },
  };
}

/** The pid of a process that has exited: spawned, waited for, gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve, reject) => child.on("error", reject).on("close", resolve));
  if (child.pid === undefined) throw new Error("the child got no pid");
  return child.pid;
}

export function describeLockSuite(name: string, setup: StoreSuiteSetup): void {
  describe(`job locks on ${name}`, () => {
    const opened: SqlStore[] = [];
    const open = async (options?: StoreOptions): Promise<SqlStore> => {
      const store = await openStore(options ?? (await setup.makeOptions()));
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it("takes a free lock, refuses a second taker with JOB_LOCKED naming pid, host and since, and frees it on release", async () => {
      const options = await setup.makeOptions();
      const store = await open(options);
      const lock = await store.acquireJobLock("nightly");
      const row = await lockRow(store, "nightly");
      expect(row).toMatchObject({ owner: lock.owner, pid: process.pid, host: HOST, run_id: null });
      expect(lock.owner).toHaveLength(36);

      const other = await open(options);
      for (const taker of [store, other]) {
        const err = await failure(taker.acquireJobLock("nightly"));
        expect(err.code).toBe("JOB_LOCKED");
        expect(err.message).toBe(`job nightly is already running (pid ${process.pid} on host ${HOST}, since ${row?.acquired_at})`);
      }
      // Another job has its own lock.
      await (await other.acquireJobLock("weekly")).release();

      await lock.release();
      expect(await lockRow(store, "nightly")).toBeUndefined();
      await lock.release();
      const again = await other.acquireJobLock("nightly");
      expect(again.owner).not.toBe(lock.owner);
      await again.release();
    });

    it("records the run a lock guards and points at it in the JOB_LOCKED hint", async () => {
      const store = await open();
      const lock = await store.acquireJobLock("nightly");
      const runId = await store.createRun({ job: "nightly", appName: "crm", trigger: "schedule", pbx: "x" });
      await lock.setRunId(runId);
      expect((await lockRow(store, "nightly"))?.run_id).toBe(runId);
      const err = await failure(store.acquireJobLock("nightly"));
      expect(err.hint).toContain(`Its run is ${runId}`);
      expect(err.hint).toContain("60 s");
    });

    it("takes over a lock whose heartbeat is older than staleAfterMs; the old holder learns it lost the lock and can no longer touch it", async () => {
      const store = await open();
      const old = capturedLogger();
      const lostMessages: string[] = [];
      const firstLost = signal();
      const longAgo = new Date(Date.now() - 120_000);
      const stale = await store.acquireJobLock("nightly", {
        pid: 4242,
        host: "far-away",
        now: () => longAgo,
        heartbeatMs: 30,
        logger: old.logger,
        onLost: (message) => {
          lostMessages.push(message);
          firstLost.resolve();
        },
      });

      const fresh = capturedLogger();
      const lock = await store.acquireJobLock("nightly", { logger: fresh.logger });
      const warning = fresh.lines().find((line) => line.level === 40);
      expect(warning?.msg).toBe(`taking over the stale lock of job nightly from pid 4242 on host far-away (last heartbeat ${longAgo.toISOString()})`);
      expect(await lockRow(store, "nightly")).toMatchObject({ owner: lock.owner, pid: process.pid, host: HOST });

      // The old holder's next heartbeat finds the row taken and stops beating.
      await withDeadline(firstLost.promise, { timeoutMs: 5_000, what: "the old holder's onLost" });
      expect(lostMessages).toEqual([`lost the lock of job nightly: pid ${process.pid} on host ${HOST} took it over at ${(await lockRow(store, "nightly"))?.acquired_at} (heartbeats were late)`]);
      expect(old.lines().filter((line) => line.level === 50).map((line) => line.msg)).toEqual(lostMessages);

      // Releasing or recording a run through the lost lock leaves the new holder's row alone.
      await stale.release();
      expect((await failure(stale.setRunId(1))).code).toBe("JOB_LOCKED");
      expect((await lockRow(store, "nightly"))?.owner).toBe(lock.owner);
      await lock.release();
    });

    it("takes over at once the lock of a process that is gone from this host, but not one on another host", async () => {
      const store = await open();
      const pid = await deadPid();
      await store.acquireJobLock("nightly", { pid });
      const log = capturedLogger();
      const lock = await store.acquireJobLock("nightly", { logger: log.logger });
      const warning = log.lines().find((line) => line.level === 40);
      expect(warning?.msg).toMatch(new RegExp(`^taking over the stale lock of job nightly from pid ${pid} on host `));
      expect(warning).toMatchObject({ pid, reason: `process ${pid} is gone` });
      await lock.release();

      // On another host that pid may well be alive: only the heartbeat can tell.
      await store.acquireJobLock("weekly", { pid, host: "another-host" });
      const err = await failure(store.acquireJobLock("weekly"));
      expect(err.message).toContain(`(pid ${pid} on host another-host, since `);
    });

    it("refreshes the heartbeat while the lock is held, and stops when it is released", async () => {
      const store = await open();
      const log = capturedLogger();
      const clock = countingClock();
      const lock = await store.acquireJobLock("nightly", { staleAfterMs: 2000, heartbeatMs: 40, logger: log.logger, now: clock.now });
      const first = (await lockRow(store, "nightly"))?.heartbeat_at ?? "";
      await clock.readsReach(clock.reads() + 2, "two heartbeats of the lock");
      const later = (await lockRow(store, "nightly"))?.heartbeat_at ?? "";
      expect(Date.parse(later)).toBeGreaterThan(Date.parse(first));
      expect((await lockRow(store, "nightly"))?.acquired_at).toBe(first);
      await lock.release();
      const readsAtRelease = clock.reads();
      expect(await lockRow(store, "nightly")).toBeUndefined();

      // A witness: a lock on another job beating at the same pace. Node fires timers of one duration in the order
      // they were set, so by the witness's second heartbeat a heartbeat of the released lock still running would
      // have come too, read the clock, found no row and reported the lock lost.
      const witnessClock = countingClock();
      const witness = await store.acquireJobLock("weekly", { staleAfterMs: 2000, heartbeatMs: 40, now: witnessClock.now });
      await witnessClock.readsReach(witnessClock.reads() + 2, "two heartbeats of the witness lock");
      await witness.release();
      expect(clock.reads()).toBe(readsAtRelease);
      expect(log.lines()).toEqual([]);
    });

    it("refuses a heartbeat no faster than the staleness limit", async () => {
      const store = await open();
      const err = await failure(store.acquireJobLock("nightly", { staleAfterMs: 1000, heartbeatMs: 1000 }));
      expect(err.message).toBe("invalid heartbeatMs 1000: use 1..999 (below staleAfterMs)");
      expect(await lockRow(store, "nightly")).toBeUndefined();
    });

    it("releases the locks still held when the store closes", async () => {
      const options = await setup.makeOptions();
      const store = await openStore(options);
      await store.acquireJobLock("nightly");
      await store.close();
      const other = await open(options);
      expect(await lockRow(other, "nightly")).toBeUndefined();
    });

    it("gives the lock to exactly one of many connections asking at once", async () => {
      const options = await setup.makeOptions();
      const stores = await Promise.all(Array.from({ length: 5 }, () => open(options)));
      const settled = await Promise.allSettled(stores.map((store) => store.acquireJobLock("nightly")));
      const won = settled.filter((entry): entry is PromiseFulfilledResult<JobLock> => entry.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const entry of settled) if (entry.status === "rejected") expect(isSyncError(entry.reason, "JOB_LOCKED"), String(entry.reason)).toBe(true);
      await won[0]?.value.release();
    });

    it("gives the lock to exactly one of several processes racing for it, round after round", async () => {
      const options = await setup.makeOptions();
      // Migrated before the race, so the children race for the lock and not for the schema.
      await open(options);
      const race = await startLockRace(options, "nightly", 5);
      try {
        for (let round = 0; round < 4; round++) {
          const outcomes = await race.round();
          expect(outcomes.filter((outcome) => outcome === "won"), outcomes.join(", ")).toHaveLength(1);
          expect(outcomes.filter((outcome) => outcome !== "won").every((outcome) => outcome === "JOB_LOCKED"), outcomes.join(", ")).toBe(true);
        }
      } finally {
        expect(await race.end()).toEqual([0, 0, 0, 0, 0]);
      }
      expect(await lockRow(opened[0] as SqlStore, "nightly")).toBeUndefined();
    });
  });

  describe(`interrupted runs on ${name}`, () => {
    const opened: SqlStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it("marks only the running runs of the job as aborted, saying whose run stopped and when", async () => {
      const store = await openStore(await setup.makeOptions());
      opened.push(store);
      const run = (job: string) => store.createRun({ job, appName: job, trigger: "schedule", pbx: "x" });
      const done = await run("nightly");
      const zero = Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;
      await store.finishRun(done, { status: "success", counts: zero });
      const killed = [await run("nightly"), await run("nightly")];
      const otherJob = await run("weekly");
      await store.knex("runs").where({ id: killed[0] }).update({ pid: 777, host: "old-box", started_at: "2025-03-01T01:00:00.000Z" });

      const before = Date.now();
      expect(await store.abortInterruptedRuns("nightly")).toEqual(killed);
      const first = await store.getRun(killed[0] ?? 0);
      expect(first).toMatchObject({ status: "aborted", error: "interrupted: the run of pid 777 on host old-box stopped without finishing (last seen 2025-03-01T01:00:00.000Z)" });
      expect(first?.endedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      const second = await store.getRun(killed[1] ?? 0);
      expect(second?.status).toBe("aborted");
      expect(second?.error).toBe(`interrupted: the run of pid ${process.pid} on host ${HOST} stopped without finishing (last seen ${second?.startedAt.toISOString()})`);
      expect((await store.getRun(done))?.status).toBe("success");
      expect((await store.getRun(otherJob))?.status).toBe("running");

      expect(await store.abortInterruptedRuns("nightly")).toEqual([]);
      expect(await store.abortInterruptedRuns("weekly", "interrupted, found at daemon start")).toEqual([otherJob]);
      expect((await store.getRun(otherJob))?.error).toMatch(/^interrupted, found at daemon start: the run of pid \d+ on host /);
    });
  });
}
