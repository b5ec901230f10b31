// SIGHUP to `phonebook-sync daemon`: a broken configuration is logged problem by problem and changes nothing; a good one
// is taken, with its new job scheduled.
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { daemonSetup, jobConfig, logOf, startDaemon, until, type DaemonProcess, type DaemonSetup } from "../helpers/daemon.js";

const TOKEN = "daemon-reload-token-3f88";
const NOT_RELOADED = /^configuration not reloaded, the old one keeps running: /;

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Waits for a scheduled run of `job` that finished after `since` (ms): the old schedule is still running. */
async function runAfter(setup: DaemonSetup, job: string, since: number, daemon: DaemonProcess): Promise<void> {
  await until(
    async () => ((await setup.runs(job)).some((run) => run.trigger === "schedule" && run.status === "success" && run.startedAt.getTime() > since) ? true : undefined),
    10_000,
    `a run of ${job} after ${new Date(since).toISOString()}\n${daemon.logText()}`,
  );
}

describe("phonebook-sync daemon on SIGHUP", () => {
  it("keeps the old schedule on a broken configuration, naming file and line, and takes a fixed one with a new job", async () => {
    emulator = await startEmulator({ port: 0, token: TOKEN });
    const setup = await daemonSetup({ pbxUrl: emulator.url, token: TOKEN, defaults: { catchUp: false }, jobs: [{ name: "crm", appName: "CRM" }] });
    const good = setup.config;
    const daemon = startDaemon(setup.configFile);
    await daemon.waitForLog(logOf("run finished", { job: "crm" }), 20_000);
    // The token is written literally in a file others may read: said once, as one of the daemon's JSON log lines.
    const exposed = daemon.records.filter((record) => typeof record.msg === "string" && record.msg.includes("holds a secret written literally (pbx.token)"));
    expect(exposed).toHaveLength(1);
    expect(exposed[0]?.level).toBe(40);

    // An invalid cron expression: the schema names the option with the file and the line it is on.
    const jobs = good["jobs"] as Record<string, unknown>[];
    await setup.writeConfig({ ...good, jobs: [{ ...jobs[0], schedule: "*/2 61 * * * *" }] });
    let mark = daemon.mark();
    let hupAt = Date.now();
    daemon.child.kill("SIGHUP");
    const badCron = await daemon.waitForLog(logOf(NOT_RELOADED), 10_000, { from: mark });
    expect(badCron.level).toBe(50);
    const line = (await readFile(setup.configFile, "utf8")).split("\n").findIndex((text) => text.includes("*/2 61")) + 1;
    expect(badCron.msg).toContain(`${setup.configFile}:${line}: jobs[0].schedule: invalid cron expression "*/2 61 * * * *"`);
    await runAfter(setup, "crm", hupAt, daemon);

    // A YAML syntax error: its line too.
    await setup.writeConfig(`${stringify(good)}\njobs: [ {name: broken\n`);
    mark = daemon.mark();
    hupAt = Date.now();
    daemon.child.kill("SIGHUP");
    const badYaml = await daemon.waitForLog(logOf(NOT_RELOADED), 10_000, { from: mark });
    expect(badYaml.msg).toMatch(new RegExp(`${escape(setup.configFile)}:\\d+`));
    expect(daemon.records.slice(mark).some(logOf("configuration reloaded"))).toBe(false);
    await runAfter(setup, "crm", hupAt, daemon);

    // Fixed, with a second job: both run from now on.
    await setup.writeSource("shop", ["1,Name 1,Shop,0733 100001,10"]);
    await setup.writeConfig({ ...good, jobs: [...jobs, jobConfig({ name: "shop", appName: "SHOP" })] });
    mark = daemon.mark();
    daemon.child.kill("SIGHUP");
    const reloaded = await daemon.waitForLog(logOf("configuration reloaded"), 10_000, { from: mark });
    expect(reloaded["jobs"]).toEqual(["crm", "shop"]);
    await daemon.waitForLog(logOf("run finished", { job: "shop", status: "success" }), 10_000, { from: mark });
    expect(emulator.phonebook.find("SHOP", "1")?.company).toBe("Shop");
    expect(await daemon.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const shopRuns = await setup.runs("shop");
    expect(shopRuns.filter((run) => run.trigger === "schedule" && run.status === "success").length).toBeGreaterThanOrEqual(1);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
