// The PBX check before a run: its failure fails the run before the source is read, and says whether a retry may help.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROBE_SEARCH } from "../../src/sync/phases/start.js";
import { rows, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-PBXCHECK-41ce");
  await env.writeSource(rows(5));
});
afterAll(() => env.close());
beforeEach(() => {
  env.emulator.faults.clear();
  env.emulator.phonebook.clear();
});

function servicesSince(from: number): string[] {
  return env.emulator.requestLog.slice(from).map((entry) => entry.service);
}

describe("the PBX check at the start of a run", () => {
  it("asks get_phonebook for a text no contact holds, then syncs", async () => {
    const from = env.emulator.requestLog.length;
    const { summary } = await env.sync({ full: true });
    expect(summary.status).toBe("success");
    expect(servicesSince(from)[0]).toBe("get_phonebook");
    expect(PROBE_SEARCH).toMatch(/phonebook-sync/);
  });

  it("fails a run whose check gets HTTP 503 through every retry as transient, with the status in the error, nothing read", async () => {
    env.emulator.faults.add({ service: "get_phonebook", status: 503, times: 10 });
    const from = env.emulator.requestLog.length;
    const { summary } = await env.sync({ full: true });
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/^PBX_HTTP_STATUS: the PBX check failed, nothing was read or sent: .*503/);
    // A web server restarting behind the PBX: the daemon retries the run within its retryWindow.
    expect(summary.transient).toBe(true);
    expect(summary.counts.read).toBe(0);
    expect(servicesSince(from).filter((service) => service !== "get_phonebook")).toEqual([]);
    expect(env.emulator.phonebook.count()).toBe(0);
  });

  it("fails a run whose check is refused for the token as lasting: no retry can help", async () => {
    env.emulator.faults.add({ service: "get_phonebook", outcomeError: "Invalid token", times: 10 });
    const { summary } = await env.sync({ full: true });
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/the PBX check failed/);
    expect(summary.transient).toBe(false);
  });
});
