// The compiled CLI's status and exit code tell the truth when the PBX refuses the token, is not there, or goes away mid-run.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANCEL_GRACE_MS } from "../../src/cli/signals.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { CLI, runCli, type CliResult } from "../helpers/cli.js";
import { deadPbxUrl, importedSince, latestRun, statusSetup, waitForRequest } from "./sync-status-setup.js";

const TOKEN = "tok-STATUS-e2e-3b7a";
const WRONG = "tok-not-the-pbx-one";
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
});
afterAll(() => emulator.close());

const cliEnv = (token: string) => ({ VOISPEED_TOKEN: token, LOG_LEVEL: "silent" });

function requestsSince(from: number, service: string): number {
  return emulator.requestLog.slice(from).filter((entry) => entry.service === service).length;
}

describe("sync against a PBX that does not take the run", () => {
  it("fails a run with nothing to change when the token is wrong: exit 1, PBX_AUTH_FAILED in the summary, nothing read or deleted", async () => {
    const setup = await statusSetup(emulator.url);
    const first = await runCli(["sync", "--config", setup.configFile, "--plain"], { env: cliEnv(TOKEN) });
    expect(first.code, first.stderr).toBe(0);
    const before = emulator.phonebook.count();
    const from = emulator.requestLog.length;

    const result = await runCli(["sync", "--config", setup.configFile, "--plain"], { env: cliEnv(WRONG) });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/run #\d+ failed/);
    expect(result.stdout).toMatch(/error: PBX_AUTH_FAILED: the PBX check failed, nothing was read or sent/);
    expect(result.stdout + result.stderr).not.toContain(WRONG);
    const run = await latestRun(setup.storeFile);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^PBX_AUTH_FAILED/);
    expect(run.counts).toMatchObject({ read: 0, deleted: 0, unchanged: 0, inserted: 0 });
    expect(requestsSince(from, "phonebook_import_sync") + requestsSince(from, "delete_phonebook")).toBe(0);
    expect(emulator.phonebook.count()).toBe(before);
  });

  it("fails when nothing listens at the PBX's address: exit 1, PBX_CONNECTION_REFUSED in the human summary", async () => {
    const setup = await statusSetup(await deadPbxUrl());
    const result = await runCli(["sync", "--config", setup.configFile, "--plain"], { env: cliEnv(TOKEN) });
    expect(result.code, result.stderr).toBe(1);
    // On stdout, where a human reads the summary; the JSON log is silenced here.
    expect(result.stdout).toMatch(/run #\d+ failed/);
    expect(result.stdout).toMatch(/error: PBX_CONNECTION_REFUSED/);
    const run = await latestRun(setup.storeFile);
    expect(run).toMatchObject({ status: "failed", counts: { read: 0, inserted: 0, deleted: 0 } });
    expect(run.error).toMatch(/^PBX_CONNECTION_REFUSED/);
  });

  it("stops the run failed, not partial, when the PBX starts refusing connections mid-run", async () => {
    const pbx = await startEmulator({ port: 0, token: TOKEN });
    try {
      const setup = await statusSetup(pbx.url);
      await setup.writeSource(2_000);
      pbx.faults.add({ service: "phonebook_import_sync", delayMs: 300, times: 1_000 });
      const running = runCli(["sync", "--config", setup.configFile, "--plain"], { env: cliEnv(TOKEN), timeoutMs: 90_000 });
      await waitForRequest(pbx, "phonebook_import_sync", 0);
      await pbx.close();
      const result = await running;

      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toMatch(/run #\d+ failed/);
      expect(result.stdout).toMatch(/error: stopped: PBX_CONNECTION_REFUSED/);
      const run = await latestRun(setup.storeFile);
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/^stopped: PBX_CONNECTION_REFUSED/);
      // What the PBX answered is counted as inserted; the rest, sent or not, as errors.
      expect(run.counts.inserted).toBe(importedSince(pbx, 0));
      expect(run.counts.inserted + run.counts.errors).toBe(run.counts.read);
    } finally {
      await pbx.close();
    }
  });
});

/** A sync as a real process, with its output collected and its end awaited (or killed after 60 s). */
function startSync(configFile: string): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, "sync", "--config", configFile, "--plain"], { env: { ...process.env, ...cliEnv(TOKEN) }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const done = once(child, "close").then(([code, signal]) => {
    clearTimeout(timer);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  return { child, done };
}

describe("sync interrupted by a signal", () => {
  let pbx: RunningEmulator;
  beforeAll(async () => {
    pbx = await startEmulator({ port: 0, token: TOKEN });
  });
  afterAll(() => pbx.close());

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("records the run aborted 'interrupted by %s' with what was pushed, and exits %i", async (signal, exitCode) => {
    const setup = await statusSetup(pbx.url);
    await setup.writeSource(2_000);
    pbx.phonebook.clear();
    pbx.faults.clear();
    pbx.faults.add({ service: "phonebook_import_sync", delayMs: 300, times: 1_000 });
    const from = pbx.requestLog.length;
    const sync = startSync(setup.configFile);
    await waitForRequest(pbx, "phonebook_import_sync", from);
    sync.child.kill(signal);
    const result = await sync.done;

    expect(result.code, result.stderr).toBe(exitCode);
    expect(result.stdout).toMatch(/run #\d+ aborted/);
    const run = await latestRun(setup.storeFile);
    expect(run.status).toBe("aborted");
    expect(run.error).toMatch(new RegExp(`^interrupted by ${signal}: the source was read in part`));
    expect(run.counts.inserted).toBeGreaterThan(0);
    expect(run.counts.inserted).toBe(importedSince(pbx, from));
    expect(run.counts.inserted).toBe(pbx.phonebook.count());
    expect(run.counts.inserted).toBeLessThan(2_000);
    expect(run.counts.deleted).toBe(0);
  });

  it("on a second SIGINT cancels the requests in flight, still records the run aborted, and exits 130 within the grace period", async () => {
    const setup = await statusSetup(pbx.url);
    await setup.writeSource(2_000);
    pbx.phonebook.clear();
    pbx.faults.clear();
    // Two batches answered at once, then every answer takes 30 s: only a cancel ends the run quickly.
    pbx.faults.add({ service: "phonebook_import_sync", times: 2 });
    pbx.faults.add({ service: "phonebook_import_sync", delayMs: 30_000, times: 1_000 });
    const from = pbx.requestLog.length;
    const sync = startSync(setup.configFile);
    await waitForRequest(pbx, "phonebook_import_sync", from, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = Date.now();
    sync.child.kill("SIGINT");
    // Apart, so that the two are not merged into one pending signal.
    await new Promise((resolve) => setTimeout(resolve, 100));
    sync.child.kill("SIGINT");
    const result = await sync.done;
    const tookMs = Date.now() - signalled;

    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/cancelling the requests in flight/);
    // Well within the grace period: the cancel ended the run, not the fallback exit.
    expect(tookMs).toBeLessThan(CANCEL_GRACE_MS - 1_000);
    const run = await latestRun(setup.storeFile);
    expect(run.status).toBe("aborted");
    expect(run.error).toMatch(/^interrupted by SIGINT/);
    expect(run.endedAt).not.toBeNull();
    expect(run.counts.inserted).toBe(200);
    expect(run.counts.errors).toBeGreaterThan(0);
  });
});

describe("validate --connect", () => {
  it("says the PBX is reachable and takes the token", async () => {
    const setup = await statusSetup(emulator.url);
    const result = await runCli(["validate", "--config", setup.configFile, "--connect"], { env: cliEnv(TOKEN) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/pbx: reachable, token accepted/);
  });

  it("exits 1 naming PBX_AUTH_FAILED when the token is wrong, without printing it", async () => {
    const setup = await statusSetup(emulator.url);
    const result = await runCli(["validate", "--config", setup.configFile, "--connect"], { env: cliEnv(WRONG) });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/reachable/);
    expect(result.stderr).toMatch(/pbx: PBX_AUTH_FAILED/);
    expect(result.stdout + result.stderr).not.toContain(WRONG);
  });

  it("exits 1 naming PBX_CONNECTION_REFUSED when no PBX listens", async () => {
    const setup = await statusSetup(await deadPbxUrl());
    const result = await runCli(["validate", "--config", setup.configFile, "--connect"], { env: cliEnv(TOKEN) });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/reachable/);
    expect(result.stderr).toMatch(/pbx: PBX_CONNECTION_REFUSED/);
  });
});
