// A CLI sync of 300 contacts while the PBX's XML answer to batch 3 is wrong: broken, cut, a refusal, contacts missing or failed.
import { afterEach, describe, expect, it } from "vitest";
import { expectBackoff, expectConverges, expectNothingLost, expectRun, faultSetup, idsOf, RETRY, type FaultSetup } from "../helpers/pbx-faults.js";

let setup: FaultSetup | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

describe("a sync whose PBX answers batch 3 of 6 with the wrong XML", () => {
  it("sends batch 3 again after malformed XML and succeeds (exit 0)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { malformedXml: true });
    const faulty = await setup.sync();

    expectRun(faulty, "success", 0);
    expect(faulty.imports.map((entry) => entry.outcome)).toEqual(["ok", "ok", "fault", "ok", "ok", "ok", "ok"]);
    expect(faulty.retries.map((retry) => retry.code)).toEqual(["PBX_MALFORMED_RESPONSE"]);
    expect(expectNothingLost(setup, faulty)).toEqual([]);
    expect(faulty.run.counts.inserted).toBe(300);
    await expectConverges(setup, []);
  });

  it("fails batch 3 after 3 tries when its answer is truncated every time, though the PBX stored it: partial (exit 3); the next run updates it", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { truncatedXml: true, times: RETRY.attempts });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6 + RETRY.attempts - 1);
    expectBackoff(faulty.retries, "PBX_MALFORMED_RESPONSE");
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    for (const result of lost) expect(result.info).toMatch(/^batch failed: PBX_MALFORMED_RESPONSE: .*not well-formed XML/);
    // Applied on every try, stored once: the PBX upserts on (uc_app_name, uc_external_id).
    expect(setup.emulator.phonebook.count()).toBe(300);
    const next = await expectConverges(setup, lost);
    expect(next.run.counts).toMatchObject({ inserted: 0, updated: 50 });
  });

  it("fails batch 3 without a retry on outcome=1 with an error text, and sends the rest: partial (exit 3)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { outcomeError: "database is locked" });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6);
    expect(faulty.retries).toEqual([]);
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    for (const result of lost) expect(result.info).toBe("batch failed: PBX_REJECTED: the PBX refused phonebook_import_sync: database is locked");
    await expectConverges(setup, lost);
  });

  it("reports 'unconfirmed' the contacts an outcome=0 answer leaves out of verbose_output: partial (exit 3); the next run sends just those", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { omitContacts: ["103", "117"], omitLast: 2 });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6);
    expect(faulty.retries).toEqual([]);
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(["103", "117", "149", "150"]);
    for (const result of lost) expect(result).toMatchObject({ outcome: "unconfirmed", info: "the PBX answer does not mention this contact" });
    expect(faulty.run.counts.unconfirmed).toBe(4);
    const next = await expectConverges(setup, lost);
    // The PBX had stored them all the same: the next run's upsert says update.
    expect(next.run.counts).toMatchObject({ inserted: 0, updated: 4 });
  });

  it("reports 'error' with the PBX's info the contacts it answers act=error for: partial (exit 3); the next run inserts them", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { contactErrors: { "105": "duplicate key in phonebook", "140": "database is locked" } });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6);
    expect(faulty.retries).toEqual([]);
    const lost = expectNothingLost(setup, faulty);
    expect(lost.map((result) => [result.externalId, result.outcome, result.info])).toEqual([
      ["105", "error", "duplicate key in phonebook"],
      ["140", "error", "database is locked"],
    ]);
    expect(setup.emulator.phonebook.count()).toBe(298);
    const next = await expectConverges(setup, lost);
    expect(next.run.counts).toMatchObject({ inserted: 2, updated: 0 });
  });

  it("fails batch 3 without a retry when the PBX refuses it as too large, naming the limit: partial (exit 3)", async () => {
    setup = await faultSetup();
    setup.faultAt(3, { maxContactsPerRequest: 40 });
    const faulty = await setup.sync();

    expectRun(faulty, "partial", 3);
    expect(faulty.imports).toHaveLength(6);
    expect(faulty.imports[2]).toMatchObject({ outcome: "refused", error: "too many contacts in one request: 50 (limit 40)" });
    expect(faulty.retries).toEqual([]);
    const lost = expectNothingLost(setup, faulty);
    expect(idsOf(lost)).toEqual(setup.batchIds(3));
    for (const result of lost) expect(result.info).toMatch(/^batch failed: PBX_BATCH_TOO_LARGE: .*too many contacts in one request: 50 \(limit 40\)/);
    await expectConverges(setup, lost);
  });
});
