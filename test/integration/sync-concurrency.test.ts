// Two runs of one job never overlap, also from two processes; a run killed mid-way is marked aborted by the next.
import { spawn } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { CLI, runCli } from "../helpers/cli.js";
import { emulatorRequests } from "../helpers/emulator-requests.js";
import { rows, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-LOCK-19fe");
  await env.writeSource(rows(200));
});
afterAll(() => env.close());

describe("runs of one job", () => {
  it("let a second sync process exit 1 saying the job is already running, with pid, host and since", async () => {
    env.emulator.faults.add({ service: "phonebook_import_sync", delayMs: 3_000 });
    const from = env.emulator.requestLog.length;
    const firstBatch = emulatorRequests(env.emulator, "phonebook_import_sync", { stage: "received" });
    const first = spawn(process.execPath, [CLI, "sync", "--config", env.configFile, "--plain", "--full"], { stdio: "ignore" });
    const exited = once(first, "exit");
    // The first run holds the lock once its first batch is on its way; the emulator sits on that batch for 3 s.
    await firstBatch;
    const second = await runCli(["sync", "--config", env.configFile, "--plain"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`job "?crm"? is already running \\(pid ${first.pid} on host ${os.hostname()}, since \\d{4}-\\d\\d-\\d\\d`));
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(env.emulator.requestLog.length - from).toBeGreaterThanOrEqual(1);
    expect(env.emulator.phonebook.count()).toBe(200);
  });

  it("mark a run killed with SIGKILL as aborted when the next run starts, and take over its lock", async () => {
    env.emulator.faults.add({ service: "phonebook_import_sync", delayMs: 60_000 });
    const firstBatch = emulatorRequests(env.emulator, "phonebook_import_sync", { stage: "received" });
    const killed = spawn(process.execPath, [CLI, "sync", "--config", env.configFile, "--plain", "--full"], { stdio: "ignore" });
    await firstBatch;
    const exited = once(killed, "exit");
    killed.kill("SIGKILL");
    await exited;

    const next = await runCli(["sync", "--config", env.configFile, "--plain"]);
    expect(next.code, next.stderr).toBe(0);
    const store = await openStore({ client: "sqlite", filename: path.join(env.dir, "store.sqlite") }, { mustExist: true });
    try {
      const [latest, interrupted] = await store.listRuns({ job: "crm", limit: 2 });
      expect(latest?.status).toBe("success");
      expect(interrupted).toMatchObject({ status: "aborted", pid: killed.pid });
      expect(interrupted?.error).toMatch(new RegExp(`interrupted: .*pid ${killed.pid}`));
    } finally {
      await store.close();
    }
  });
});
