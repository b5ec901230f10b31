// A CLI sync of 300 contacts while the PBX's network fails at one batch: refused, reset, silent, slow, gone and back.
import { afterEach, describe, expect, it } from "vitest";
import {
  backoffRange,
  expectBackoff,
  expectConverges,
  expectNothingLost,
  expectRun,
  faultSetup,
  idsOf,
  RETRY,
  type FaultSetup,
} from "../helpers/pbx-faults.js";

let setup: FaultSetup | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

/** A PBX that refuses connections is given at least this long before each retry (RETRY_POLICY in src/sync/retry.ts). */
const REFUSED_FLOOR_MS = 2_000;

describe("a sync whose PBX fails on the network at batch 3 of 6", () => {
  it("stops failed (exit 1) when the PBX goes away for good: batch 3 reset then refused, batches 4-6 not sent, all reported; the next run completes", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { goAway: true });
    const faulty = await setup.sync();

    expectRun(faulty, "failed", 1);
    expect(faulty.run.error).toMatch(/^stopped: PBX_CONNECTION_REFUSED/);
    // Batch 3 was in flight when the PBX went: its connection was dropped, and each retry was refused.
    expect(faulty.imports.map((entry) => entry.outcome)).toEqual(["ok", "ok", "fault"]);
    expect(faulty.retries.map((retry) => retry.code)).toEqual(["PBX_CONNECTION_RESET", "PBX_CONNECTION_REFUSED"]);
    expect(faulty.retries[0]?.delayMs).toBeLessThanOrEqual(backoffRange(1)[1]);
    expect(faulty.retries[1]?.delayMs).toBeGreaterThanOrEqual(backoffRange(2, REFUSED_FLOOR_MS)[0]);
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.ids.slice(100));
    for (const result of lost.filter((r) => setup?.batchIds(3).includes(r.externalId ?? ""))) {
      expect(result.info).toMatch(/^batch failed: PBX_CONNECTION_REFUSED: /);
    }
    for (const result of lost.filter((r) => Number(r.externalId) > 150)) expect(result.info).toMatch(/^batch failed: not sent: PBX_CONNECTION_REFUSED: /);
    expect(faulty.run.counts.deleted).toBe(0);

    await setup.emulator.reopen();
    await expectConverges(setup, lost);
  });

  it("succeeds (exit 0) when the PBX goes away at batch 3 and is back half a second later: the batch is retried until it lands", async () => {
    setup = await faultSetup();
    // Back well before the retry that follows a refusal (2 s ± 25%), and well after the one that follows the reset.
    setup.faultAt(3, { goAway: true, backAfterMs: 500 });
    const faulty = await setup.sync();

    expectRun(faulty, "success", 0);
    expect(faulty.retries.map((retry) => retry.code)).toEqual(["PBX_CONNECTION_RESET", "PBX_CONNECTION_REFUSED"]);
    expect(faulty.retries[1]?.delayMs).toBeGreaterThanOrEqual(backoffRange(2, REFUSED_FLOOR_MS)[0]);
    // Six batches, plus the one the PBX dropped; the refused try never reached it.
    expect(faulty.imports.map((entry) => entry.outcome)).toEqual(["ok", "ok", "fault", "ok", "ok", "ok", "ok"]);
    expect(expectNothingLost(setup, faulty)).toEqual([]);
    expect(faulty.run.counts.inserted).toBe(300);
    await expectConverges(setup, []);
  });

  it("fails batch 3 after 3 tries when its connection is reset before any answer, goes on with the others: partial (exit 3)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { reset: true, times: RETRY.attempts });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6 + RETRY.attempts - 1);
    expectBackoff(faulty.retries, "PBX_CONNECTION_RESET");
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    for (const result of lost) expect(result.info).toMatch(/^batch failed: PBX_CONNECTION_RESET: .*closed the connection/);
    await expectConverges(setup, lost);
  });

  it("reports batch 3 failed when every answer is reset mid-way, though the PBX stored it: partial (exit 3), the next run updates those contacts", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { resetMidAnswer: true, times: RETRY.attempts });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6 + RETRY.attempts - 1);
    expectBackoff(faulty.retries, "PBX_CONNECTION_RESET");
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    // The PBX applied the batch; only its answer was lost. Stored once, not three times.
    for (const id of setup.batchIds(3)) expect(setup.emulator.phonebook.find("CRM", id)).toBeDefined();
    expect(setup.emulator.phonebook.count()).toBe(300);
    await expectConverges(setup, lost);
  });

  it("fails batch 3 with PBX_TIMEOUT after 3 tries when its answer never comes within pbx.timeoutMs: partial (exit 3)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { delayMs: 3_000, times: RETRY.attempts });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6 + RETRY.attempts - 1);
    expectBackoff(faulty.retries, "PBX_TIMEOUT");
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    for (const result of lost) // Either timer may fire first, the whole request's or undici's wait for the headers: both name the limit.
      expect(result.info).toMatch(/^batch failed: PBX_TIMEOUT: .*1000 ms/);
    await expectConverges(setup, lost);
  });

  it("succeeds (exit 0) against a PBX that takes a second over every batch, with no retry", async () => {
    setup = await faultSetup({ batchSize: 100, timeoutMs: 5_000 });
    setup.faultAt(1, { delayMs: 1_000, times: 3 });
    const faulty = await setup.sync();

    expectRun(faulty, "success", 0);
    expect(faulty.imports.map((entry) => entry.fault)).toEqual(["fault: delay", "fault: delay", "fault: delay"]);
    expect(faulty.retries).toEqual([]);
    expect(expectNothingLost(setup, faulty)).toEqual([]);
    await expectConverges(setup, []);
  });
});
