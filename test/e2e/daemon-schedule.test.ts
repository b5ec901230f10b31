// `phonebook-sync daemon` runs each job on its cron (seconds field): real processes, a real emulator, the store as the record.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { daemonSetup, logOf, slotTime, startDaemon, until } from "../helpers/daemon.js";

const TOKEN = "daemon-schedule-token-5d1e";

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe("phonebook-sync daemon on a schedule", () => {
  it("runs two jobs every 2 seconds, each on its own whole-second slots, and pushes both sources", async () => {
    emulator = await startEmulator({ port: 0, token: TOKEN });
    const setup = await daemonSetup({
      pbxUrl: emulator.url,
      token: TOKEN,
      defaults: { catchUp: false },
      jobs: [
        { name: "crm", appName: "CRM", rows: 4 },
        { name: "shop", appName: "SHOP", rows: 3 },
      ],
    });
    const daemon = startDaemon(setup.configFile);
    await daemon.waitForLog(logOf("daemon started"), 20_000);

    const scheduled = async (job: string) => (await setup.runs(job)).filter((run) => run.trigger === "schedule" && run.status !== "running");
    for (const job of ["crm", "shop"]) {
      await until(async () => ((await scheduled(job)).length >= 2 ? true : undefined), 12_000, `two scheduled runs of ${job}\n${daemon.logText()}`);
    }
    const exit = await daemon.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });

    for (const job of ["crm", "shop"]) {
      const runs = await scheduled(job);
      for (const run of runs) {
        expect(run.status, `${job} run ${run.id}: ${run.error}`).toMatch(/^(success|aborted)$/);
        expect(run.scheduledFor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
        expect(new Date(slotTime(run.scheduledFor)).getUTCSeconds() % 2).toBe(0);
      }
      expect(runs.filter((run) => run.status === "success").length).toBeGreaterThanOrEqual(2);
      expect(new Set(runs.map((run) => run.scheduledFor)).size).toBe(runs.length);
    }
    const stored = emulator.phonebook.all();
    expect(stored.filter((contact) => contact.uc_app_name === "CRM").map((contact) => contact.uc_external_id).sort()).toEqual(["1", "2", "3", "4"]);
    expect(stored.filter((contact) => contact.uc_app_name === "SHOP").map((contact) => contact.uc_external_id).sort()).toEqual(["1", "2", "3"]);
  });
});
