// Crash safety with real processes: a sync killed with SIGKILL at any point loses nothing and duplicates nothing.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { emulatorRequests } from "../helpers/emulator-requests.js";
import { row, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

const COUNT = 3_000;
let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-CRASH-44c1");
  // Small batches, so that a run is many requests long and can be killed between and during them.
  const text = await readFile(env.configFile, "utf8");
  await writeFile(env.configFile, text.replace("defaults: {", "defaults: { batchSize: 100,"));
});
afterAll(() => env.close());

function source(count: number, edit = (i: number) => `Company ${i}`): string[] {
  return Array.from({ length: count }, (_, i) => row(i + 1, edit(i + 1)));
}

function startSync(...extra: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, "sync", "--config", env.configFile, "--plain", ...extra], {
    stdio: ["ignore", "ignore", "ignore"],
    env: { ...process.env, LOG_LEVEL: "silent" },
  });
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** The phonebook holds exactly the source's contacts, each once, with the source's company. */
function expectPhonebookEquals(count: number, company: (i: number) => string): void {
  const stored = env.emulator.phonebook.all().filter((contact) => contact.uc_app_name === "CRM");
  const keys = stored.map((contact) => contact.uc_external_id);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.length).toBe(count);
  for (const contact of stored) expect(contact.company).toBe(company(Number(contact.uc_external_id)));
}

beforeEach(async () => {
  env.emulator.phonebook.clear();
  env.emulator.faults.clear();
});

describe("a sync killed with SIGKILL", () => {
  it("after some batches: the next run pushes the rest and the phonebook equals the source", async () => {
    await env.writeSource(source(COUNT));
    const twoBatches = emulatorRequests(env.emulator, "phonebook_import_sync", { stage: "answered", count: 2 });
    const child = startSync("--full");
    await twoBatches;
    await kill(child);
    expect(env.emulator.phonebook.count()).toBeLessThan(COUNT);

    const again = await runCli(["sync", "--config", env.configFile, "--plain"]);
    expect(again.code, again.stderr).toBe(0);
    expectPhonebookEquals(COUNT, (i) => `Company ${i}`);
    const { run } = await env.latest();
    expect(run.counts.inserted + run.counts.updated + run.counts.unchanged).toBe(COUNT);
  });

  it("while the PBX is slow to answer a batch: the batch it may have applied is pushed again, harmlessly", async () => {
    await env.writeSource(source(COUNT));
    await runCli(["sync", "--config", env.configFile, "--plain", "--full"]);
    await env.writeSource(source(COUNT, (i) => `Changed ${i}`));
    const firstBatch = emulatorRequests(env.emulator, "phonebook_import_sync", { stage: "answered" });
    const child = startSync();
    await firstBatch;
    // The next batch the emulator receives takes this fault and sits on it: the run is killed while it waits.
    env.emulator.faults.add({ service: "phonebook_import_sync", delayMs: 60_000 });
    await emulatorRequests(env.emulator, "phonebook_import_sync", { stage: "received" });
    expect(env.emulator.faults.pending()).toBe(0);
    await kill(child);

    const again = await runCli(["sync", "--config", env.configFile, "--plain"]);
    expect(again.code, again.stderr).toBe(0);
    expectPhonebookEquals(COUNT, (i) => `Changed ${i}`);
  });

  it("during the deletions: the next run finishes them", async () => {
    await env.writeSource(source(COUNT));
    await runCli(["sync", "--config", env.configFile, "--plain", "--full"]);
    const keep = COUNT / 2;
    await env.writeSource(source(keep));
    const someDeletions = emulatorRequests(env.emulator, "delete_phonebook", { stage: "answered", count: 50 });
    const child = startSync("--allow-mass-delete");
    await someDeletions;
    await kill(child);
    const left = env.emulator.phonebook.count();
    expect(left).toBeGreaterThan(keep);

    const again = await runCli(["sync", "--config", env.configFile, "--plain", "--allow-mass-delete"]);
    expect(again.code, again.stderr).toBe(0);
    expectPhonebookEquals(keep, (i) => `Company ${i}`);
  });
});
