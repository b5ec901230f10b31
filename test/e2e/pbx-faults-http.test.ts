// A CLI sync of 300 contacts while the PBX answers a batch with an HTTP error: 5xx, 429, Retry-After, an HTML page.
import { afterEach, describe, expect, it } from "vitest";
import { expectBackoff, expectConverges, expectNothingLost, expectRun, faultSetup, idsOf, RETRY, type FaultSetup } from "../helpers/pbx-faults.js";

let setup: FaultSetup | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

describe("a sync whose PBX answers batch 3 of 6 with an HTTP error", () => {
  it.each([500, 503, 429])(
    "fails batch 3 after 3 tries on HTTP %i without Retry-After, backing off, and sends the rest: partial (exit 3)",
    async (status) => {
      setup = await faultSetup();
      setup.faultAt(3, { status, times: RETRY.attempts });
      const faulty = await setup.sync();

      expectRun(faulty, "partial", 3);
      expect(faulty.imports).toHaveLength(6 + RETRY.attempts - 1);
      expect(faulty.imports.filter((entry) => entry.outcome === "fault")).toHaveLength(RETRY.attempts);
      expectBackoff(faulty.retries, "PBX_HTTP_STATUS");
      const lost = expectNothingLost(setup, faulty);
      expect(idsOf(lost)).toEqual(setup.batchIds(3));
      for (const result of lost) expect(result.info).toMatch(new RegExp(`^batch failed: PBX_HTTP_STATUS: the PBX answer to phonebook_import_sync is HTTP ${status}`));
      await expectConverges(setup, lost);
    },
  );

  it("waits as HTTP 503's Retry-After asks, then sends batch 3 again: success (exit 0)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { status: 503, retryAfter: 1 });
    const faulty = await setup.sync();

    expectRun(faulty, "success", 0);
    expect(faulty.imports.map((entry) => entry.fault ?? "")).toEqual(["", "", "fault: HTTP 503, Retry-After 1 s", "", "", "", ""]);
    // The server's 1 s, plus up to a tenth so that clients told the same second spread out; not the 50 ms back-off.
    expect(faulty.retries).toHaveLength(1);
    expect(faulty.retries[0]?.delayMs).toBeGreaterThanOrEqual(1_000);
    expect(faulty.retries[0]?.delayMs).toBeLessThanOrEqual(1_100);
    expect(expectNothingLost(setup, faulty)).toEqual([]);
    await expectConverges(setup, []);
  });

  it("does not wait an hour when HTTP 503's Retry-After asks for one: batch 3 fails at once, the run goes on: partial (exit 3)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { status: 503, retryAfter: 3_600 });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6);
    expect(faulty.retries).toEqual([]);
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    for (const result of lost) {
      expect(result.info).toMatch(/^batch failed: PBX_HTTP_STATUS: .* HTTP 503/);
      expect(result.info).toContain("not retried: Retry-After asked for 3600 s, more than the 300 s a retry waits");
    }
    await expectConverges(setup, lost);
  });

  it("stops the run failed (exit 1) when HTTP 502 lasts from batch 3 on: three batches in a row, 3 tries each, batch 6 not sent", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { status: 502, times: 100 });
    const faulty = await setup.sync();

    expectRun(faulty, "failed", 1);
    expect(faulty.run.error).toMatch(/^stopped: PBX_HTTP_STATUS: .* HTTP 502/);
    // Bounded: 3 failing batches x 3 tries, then nothing more.
    expect(faulty.imports.map((entry) => entry.outcome)).toEqual(["ok", "ok", ...Array<string>(3 * RETRY.attempts).fill("fault")]);
    expect(faulty.retries).toHaveLength(3 * (RETRY.attempts - 1));
    for (let batch = 0; batch < 3; batch++) expectBackoff(faulty.retries.slice(batch * 2, batch * 2 + 2), "PBX_HTTP_STATUS");
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.ids.slice(100));
    for (const result of lost.filter((r) => Number(r.externalId) <= 250)) expect(result.info).toMatch(/^batch failed: PBX_HTTP_STATUS: .* HTTP 502/);
    for (const result of lost.filter((r) => Number(r.externalId) > 250)) expect(result.info).toMatch(/^batch failed: not sent: PBX_HTTP_STATUS: /);
    expect(faulty.run.counts.deleted).toBe(0);
    await expectConverges(setup, lost);
  });

  it("stops the run failed (exit 1) at once when batch 3 gets an HTML page with HTTP 200: no retry, batches 4-6 not sent", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { body: "<!DOCTYPE html><html><head><title>Login</title></head><body><form>Password</form></body></html>" });
    const faulty = await setup.sync();

    expectRun(faulty, "failed", 1);
    expect(faulty.run.error).toMatch(/^stopped: PBX_HTML_RESPONSE: the PBX answer to phonebook_import_sync is an HTML page/);
    expect(faulty.imports.map((entry) => entry.outcome)).toEqual(["ok", "ok", "fault"]);
    expect(faulty.retries).toEqual([]);
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.ids.slice(100));
    for (const result of lost.filter((r) => setup?.batchIds(3).includes(r.externalId ?? ""))) expect(result.info).toMatch(/^batch failed: PBX_HTML_RESPONSE: .*Login/);
    for (const result of lost.filter((r) => Number(r.externalId) > 150)) expect(result.info).toMatch(/^batch failed: not sent: PBX_HTML_RESPONSE: /);
    await expectConverges(setup, lost);
  });
});
