// What `phonebook-sync daemon` runs when it starts (catchUp, runOnStart) and how it retries a run that failed for a passing reason.
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { previousFire } from "../../src/scheduler/timing.js";
import { deadPort } from "../helpers/ports.js";
import { daemonSetup, jobConfig, logOf, startDaemon, type DaemonProcess } from "../helpers/daemon.js";

const TOKEN = "daemon-startup-token-47ab";
/** A schedule that never fires during a test: only the start-up decides whether the job runs. */
const ONCE_A_YEAR = "0 0 1 1 *";

const emulators: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

async function emulatorOn(port = 0): Promise<RunningEmulator> {
  const emulator = await startEmulator({ port, token: TOKEN });
  emulators.push(emulator);
  return emulator;
}


/** The jobs' start-up runs happen in the order of the configuration: once the last job's has finished, the others were decided. */
async function startedUp(daemon: DaemonProcess, lastJob: string): Promise<void> {
  await daemon.waitForLog(logOf("run finished", { job: lastJob }), 20_000);
}

const started = (daemon: DaemonProcess, job: string) => daemon.records.filter(logOf("run starting", { job }));

describe("phonebook-sync daemon at start", () => {
  it("catches up a slot its job never ran, once across daemons; catchUp false waits; runOnStart runs every start", async () => {
    const pbx = await emulatorOn();
    const yearly = { name: "yearly", appName: "YEARLY" };
    // Last in the list: its start-up run tells that the jobs before it were decided.
    const marker = { name: "marker", appName: "MARKER", runOnStart: true };
    const setup = await daemonSetup({ pbxUrl: pbx.url, token: TOKEN, jobs: [yearly, marker], defaults: { schedule: ONCE_A_YEAR } });
    const first = startDaemon(setup.configFile);
    await startedUp(first, "marker");
    await first.waitForLog(logOf("run finished", { job: "yearly" }), 20_000);
    expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });

    const slot = previousFire(ONCE_A_YEAR, Intl.DateTimeFormat().resolvedOptions().timeZone);
    const [caughtUp, ...moreYearly] = await setup.runs("yearly");
    expect(moreYearly).toEqual([]);
    expect(caughtUp?.trigger).toBe("catch-up");
    expect(caughtUp?.status).toBe("success");
    expect(caughtUp?.scheduledFor).toBe(`${slot?.toISOString()}+catch-up`);
    expect(first.records.find(logOf("catching up a missed run", { job: "yearly" }))?.["missed"]).toBe(slot?.toISOString());
    expect((await setup.runs("marker")).map((run) => run.trigger)).toEqual(["start"]);

    // A second daemon on the same store: the slot was run; a new job with catchUp false waits for its slot.
    await setup.writeSource("quiet", ["1,Name 1,Quiet,0733 100001,10"]);
    await setup.writeConfig({
      ...setup.config,
      jobs: [yearly, { name: "quiet", appName: "QUIET", catchUp: false }, marker].map(jobConfig),
    });
    const second = startDaemon(setup.configFile);
    await startedUp(second, "marker");
    expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(second.records.some(logOf("catching up a missed run"))).toBe(false);
    expect(started(second, "yearly")).toEqual([]);
    expect(started(second, "quiet")).toEqual([]);
    expect((await setup.runs("yearly")).length).toBe(1);
    expect(await setup.runs("quiet")).toEqual([]);
    expect((await setup.runs("marker")).map((run) => run.trigger)).toEqual(["start", "start"]);
  });

  it("retries a run the PBX refused within retryWindow, and the retry succeeds once the PBX is up", async () => {
    const port = await deadPort();
    const setup = await refusedAtFirst(port, { runOnStart: true, catchUp: false });
    const daemon = startDaemon(setup.configFile);
    const retrying = await daemon.waitForLog(logOf(/^the run failed/, { job: "crm" }), 20_000);
    expect(retrying.msg, daemon.logText()).toBe("the run failed for a passing reason: retrying");
    const pbx = await emulatorOn(port);
    const done = await daemon.waitForLog(logOf("run finished", { job: "crm", status: "success" }), 20_000);
    expect(await daemon.stop("SIGTERM")).toEqual({ code: 0, signal: null });

    const runs = (await setup.runs("crm")).reverse();
    const good = runs.find((run) => run.id === done["runId"]);
    expect(good?.trigger).toBe("retry");
    expect(good?.scheduledFor).toMatch(/\+retry[12]$/);
    const earlier = runs.filter((run) => run.id < (good?.id ?? 0));
    expect(earlier.length).toBeGreaterThanOrEqual(1);
    for (const run of earlier) {
      expect(run.status).toBe("failed");
      expect(run.error).toContain("PBX_CONNECTION_REFUSED");
    }
    expect(earlier[0]?.trigger).toBe("start");
    expect(pbx.phonebook.count()).toBe(3);
  });

  it("retries a failed catch-up run within retryWindow, counted from the catch-up", async () => {
    const setup = await refusedAtFirst(await deadPort(), { catchUp: true });
    const daemon = startDaemon(setup.configFile);
    await daemon.waitForLog(logOf("catching up a missed run", { job: "crm" }), 20_000);
    const verdict = await daemon.waitForLog(logOf(/^the run failed/, { job: "crm" }), 20_000);
    expect(verdict.msg).toBe("the run failed for a passing reason: retrying");
  });
});

describe("phonebook-sync daemon signalled while it starts", () => {
  it("stops as soon as it has started on a SIGTERM that came while the store was busy, and exits 0", async () => {
    const pbx = await emulatorOn();
    const setup = await daemonSetup({ pbxUrl: pbx.url, token: TOKEN, jobs: [{ name: "crm", appName: "CRM" }], defaults: { schedule: ONCE_A_YEAR, catchUp: false } });
    await setup.runs("crm"); // creates the store file and its schema
    // Another process holds the write lock: the daemon's start waits in the store's migration check (SQLite's
    // busy wait blocks the event loop, so the signal is handled once the lock is free).
    const blocker = new Database((setup.store as { filename: string }).filename);
    blocker.exec("BEGIN IMMEDIATE");
    let daemon: DaemonProcess | undefined;
    try {
      daemon = startDaemon(setup.configFile);
      await daemon.waitForLog(logOf("daemon starting"), 20_000);
      daemon.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      blocker.exec("COMMIT");
      blocker.close();
    }
    // Killed by the signal (code null, signal SIGTERM) when the handlers came only after the start.
    expect(await daemon.exited, daemon.logText()).toEqual({ code: 0, signal: null });
    expect(daemon.records.some(logOf("daemon stopped"))).toBe(true);
  });
});

/** A job on a yearly schedule whose PBX address refuses connections until an emulator is started on `port`. */
function refusedAtFirst(port: number, defaults: Record<string, unknown>) {
  return daemonSetup({
    pbxUrl: `http://127.0.0.1:${port}/PBX/seri_endpoint.php`,
    token: TOKEN,
    jobs: [{ name: "crm", appName: "CRM" }],
    defaults: { schedule: ONCE_A_YEAR, retryWindow: "30s", retryDelay: "1s", ...defaults },
  });
}
