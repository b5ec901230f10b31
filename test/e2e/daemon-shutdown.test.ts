// SIGTERM to `phonebook-sync daemon` in the middle of a slow batch: the batch finishes or is cancelled, the run is on
// record as aborted, the lock is gone, the process exits 0, and the next daemon completes the job.
import knexFactory from "knex";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { daemonSetup, logOf, startDaemon, until, type DaemonProcess, type DaemonSetup } from "../helpers/daemon.js";
import { rows } from "../helpers/sync-env.js";

const TOKEN = "daemon-shutdown-token-91c4";
const ONCE_A_YEAR = "0 0 1 1 *";
const CANCELLING = "runs still going after the shutdown timeout: cancelling their requests";

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface SlowRun {
  rows: number;
  batchSize: number;
  delayMs: number;
  shutdownTimeoutMs: number;
}

/** A daemon whose job runs once at start, one batch at a time, against imports that answer after `delayMs`; resolved with a batch in flight. */
async function slowRun(options: SlowRun): Promise<{ setup: DaemonSetup; daemon: DaemonProcess; pbx: RunningEmulator }> {
  const pbx = (emulator = await startEmulator({ port: 0, token: TOKEN }));
  pbx.faults.add({ service: "phonebook_import_sync", delayMs: options.delayMs, times: 100 });
  const setup = await daemonSetup({
    pbxUrl: pbx.url,
    token: TOKEN,
    jobs: [{ name: "crm", appName: "CRM", rows: options.rows, batchSize: options.batchSize, concurrency: 1 }],
    defaults: { schedule: ONCE_A_YEAR, catchUp: false, runOnStart: true },
    daemon: { http: { port: 0 }, shutdownTimeoutMs: options.shutdownTimeoutMs },
  });
  const daemon = startDaemon(setup.configFile);
  await daemon.waitForLog(logOf("run started", { job: "crm" }), 20_000);
  // The emulator counts a request when it arrives and logs it when it has answered: the difference is in flight.
  await until(() => (pbx.requests > pbx.requestLog.length ? true : undefined), 10_000, "an import in flight");
  return { setup, daemon, pbx };
}

async function lockRows(setup: DaemonSetup): Promise<unknown[]> {
  const db = knexFactory({ client: "better-sqlite3", connection: { filename: (setup.store as { filename: string }).filename }, useNullAsDefault: true });
  try {
    return (await db("job_locks").select("*")) as unknown[];
  } finally {
    await db.destroy();
  }
}

describe("phonebook-sync daemon on SIGTERM", () => {
  it("lets the batch in flight finish, records the run aborted, leaves no lock, exits 0; the next daemon completes the job", async () => {
    // Three reads of 500 records (the run classifies 500 at a time) in batches of 500: the stop comes while the first is pushed.
    const total = 1_200;
    const { setup, daemon, pbx } = await slowRun({ rows: total, batchSize: 500, delayMs: 3_000, shutdownTimeoutMs: 10_000 });
    const signalled = Date.now();
    const exit = await daemon.stop("SIGTERM", 10_000 + 5_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(daemon.records.some(logOf(CANCELLING)), daemon.logText()).toBe(false);

    const [run, ...others] = await setup.runs("crm");
    expect(others).toEqual([]);
    expect(run?.status).toBe("aborted");
    expect(run?.error).toContain("daemon shutting down (SIGTERM)");
    expect(run?.counts.inserted).toBeGreaterThanOrEqual(500);
    expect(run?.counts.errors).toBe(0);
    expect(await lockRows(setup)).toEqual([]);
    const pushedBefore = pbx.phonebook.count();
    expect(pushedBefore).toBe(run?.counts.inserted);
    expect(pushedBefore).toBeLessThan(total);

    pbx.faults.clear();
    const next = startDaemon(setup.configFile);
    await next.waitForLog(logOf("run finished", { job: "crm" }), 20_000);
    expect(await next.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const [latest] = await setup.runs("crm");
    expect(latest?.status).toBe("success");
    expect(latest?.counts.inserted).toBe(total - pushedBefore);
    const stored = pbx.phonebook
      .all()
      .map((contact) => `${contact.uc_app_name} ${contact.uc_external_id} ${contact.name}`)
      .sort();
    const source = rows(total)
      .map((line) => line.split(","))
      .map(([id, name]) => `CRM ${id} ${name}`)
      .sort();
    expect(stored).toEqual(source);
  });

  it("sends no batch after SIGTERM beyond the one in flight", async () => {
    const { daemon, pbx, setup } = await slowRun({ rows: 20, batchSize: 5, delayMs: 1_500, shutdownTimeoutMs: 10_000 });
    const arrivedBefore = pbx.requests;
    expect(await daemon.stop("SIGTERM", 15_000)).toEqual({ code: 0, signal: null });
    const [run] = await setup.runs("crm");
    expect(run?.status).toBe("aborted");
    expect(pbx.requests - arrivedBefore, daemon.logText()).toBe(0);
    expect(run?.counts.inserted).toBe(5);
  });

  it("cancels a batch that outlasts the shutdown timeout, records the run aborted and exits 0", async () => {
    const { setup, daemon } = await slowRun({ rows: 20, batchSize: 5, delayMs: 20_000, shutdownTimeoutMs: 1_000 });
    const signalled = Date.now();
    const exit = await daemon.stop("SIGTERM", 15_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(daemon.records.some(logOf(CANCELLING))).toBe(true);
    const [run] = await setup.runs("crm");
    expect(run?.status).toBe("aborted");
    expect(run?.error).toContain("daemon shutting down (SIGTERM)");
    // The batch was cancelled before the PBX answered: nothing confirmed, nothing taken for synced.
    expect(run?.counts.inserted).toBe(0);
    expect(run?.counts.errors).toBeGreaterThan(0);
    expect(await lockRows(setup)).toEqual([]);
  });
});
