// Two `phonebook-sync daemon` processes on one store: each scheduled run happens once, and a killed daemon's job goes on.
import knexFactory, { type Knex } from "knex";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import type { StoreOptions } from "../../src/store/index.js";
import { dbServer, freshDatabase } from "../helpers/databases.js";
import { daemonSetup, logOf, slotTime, startDaemon, until, type DaemonProcess, type DaemonSetup } from "../helpers/daemon.js";

const TOKEN = "daemon-overlap-token-0b7a";
const SKIPPED = "another process has this run: skipped";

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Every run takes a second or more: its PBX check answers late, so two daemons firing at one slot really overlap. */
async function slowEmulator(delayMs: number): Promise<RunningEmulator> {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  emulator.faults.add({ service: "get_phonebook", delayMs, times: 1_000 });
  return emulator;
}

async function twoDaemons(store?: StoreOptions): Promise<{ setup: DaemonSetup; daemons: DaemonProcess[] }> {
  const pbx = await slowEmulator(1_000);
  const setup = await daemonSetup({ pbxUrl: pbx.url, token: TOKEN, jobs: [{ name: "crm", appName: "CRM", rows: 5 }], defaults: { catchUp: false }, ...(store ? { store } : {}) });
  const daemons = [startDaemon(setup.configFile), startDaemon(setup.configFile)];
  await Promise.all(daemons.map((daemon) => daemon.waitForLog(logOf("daemon started"), 30_000)));
  return { setup, daemons };
}

/** Lets the pair run about four slots, then stops both with SIGTERM (both exit 0). */
async function runFourSlots(setup: DaemonSetup, daemons: DaemonProcess[]): Promise<void> {
  await until(async () => ((await setup.runs("crm")).filter((run) => run.status === "success").length >= 4 ? true : undefined), 20_000, "four successful runs");
  const exits = await Promise.all(daemons.map((daemon) => daemon.stop("SIGTERM")));
  expect(exits).toEqual([
    { code: 0, signal: null },
    { code: 0, signal: null },
  ]);
}

/** What both daemons did: each slot ran once, no slot between the first and the last was left out, and one of them skipped. */
async function expectEachSlotOnce(db: Knex, setup: DaemonSetup, daemons: DaemonProcess[]): Promise<void> {
  const twice = (await db("runs").select("scheduled_for").count({ n: "*" }).where({ job: "crm" }).groupBy("scheduled_for").having(db.raw("count(*) > 1"))) as unknown[];
  expect(twice).toEqual([]);
  const runs = await setup.runs("crm");
  const slots = runs.map((run) => slotTime(run.scheduledFor)).sort((a, b) => a - b);
  expect(slots.length).toBeGreaterThanOrEqual(4);
  for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!, `slots ${runs.map((run) => run.scheduledFor).join(", ")}`).toBe(2_000);
  expect(runs.filter((run) => run.status === "success").length).toBeGreaterThanOrEqual(4);
  const skipped = daemons.flatMap((daemon) => daemon.records.filter(logOf(SKIPPED)));
  expect(skipped.length, daemons.map((daemon) => daemon.logText()).join("\n----\n")).toBeGreaterThanOrEqual(3);
  for (const record of skipped) expect(String(record["reason"])).toMatch(/already running|already taken/);
}

describe("two daemons on one store", () => {
  it("run each slot of a job once on one SQLite file, never skipping a slot between them", async () => {
    const { setup, daemons } = await twoDaemons();
    await runFourSlots(setup, daemons);
    const db = knexFactory({ client: "better-sqlite3", connection: { filename: (setup.store as { filename: string }).filename }, useNullAsDefault: true });
    try {
      await expectEachSlotOnce(db, setup, daemons);
    } finally {
      await db.destroy();
    }
  });

  it("run each slot of a job once on one MariaDB database, never skipping a slot between them", async () => {
    const found = dbServer("mysqlServer");
    if ("unavailable" in found) throw new Error(`cannot run: ${found.unavailable}`);
    const fresh = await freshDatabase(found.server, "daemon_overlap");
    const { setup, daemons } = await twoDaemons({ client: "mysql", connection: fresh.connection });
    await runFourSlots(setup, daemons);
    await expectEachSlotOnce(fresh.knex, setup, daemons);
  });

  it("go on after kill -9 of the one holding the job: the next run marks its run aborted and takes its lock at once", async () => {
    const { setup, daemons } = await twoDaemons();
    // The holder is the daemon whose pid the running run carries.
    const running = await until(async () => (await setup.runs("crm")).find((run) => run.status === "running" && run.pid !== null), 15_000, "a running run");
    const victim = daemons.find((daemon) => daemon.pid === running.pid);
    const survivor = daemons.find((daemon) => daemon.pid !== running.pid);
    if (!victim || !survivor) throw new Error(`run ${running.id} was started by pid ${running.pid}, not by either daemon`);
    expect(await victim.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    const killedAt = Date.now();

    const mark = survivor.mark();
    const takeOver = await survivor.waitForLog(logOf(/^taking over the stale lock of job crm/), 10_000, { from: mark });
    expect(takeOver["reason"]).toBe(`process ${victim.pid} is gone`);
    await survivor.waitForLog(logOf("marked runs interrupted by a crash or kill as aborted"), 5_000, { from: mark });
    // Well before the 60 s after which a lock of a live-looking holder would go stale.
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    const killedRun = (await setup.runs("crm")).find((run) => run.id === running.id);
    expect(killedRun?.status).toBe("aborted");
    expect(killedRun?.error).toMatch(/^interrupted/);

    const after = await until(
      async () => {
        const done = (await setup.runs("crm")).filter((run) => run.id > running.id && run.trigger === "schedule" && run.status === "success");
        return done.length >= 2 ? done : undefined;
      },
      15_000,
      "two more scheduled runs by the survivor",
    );
    for (const run of after) expect(run.pid).toBe(survivor.pid);
    expect(await survivor.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});
