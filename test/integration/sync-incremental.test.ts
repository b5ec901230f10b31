// Incremental sync against the emulator and a real SQLite store: only what changed is pushed, what vanished is deleted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAPPING, row, rows, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-INCR-0b5e");
});
afterAll(() => env.close());

/** Service calls the emulator answered since `from`, by service, less the one reachability check every real run makes. */
function callsSince(from: number, realRun = true): Record<string, number> {
  const calls: Record<string, number> = {};
  const log = env.emulator.requestLog.slice(from);
  if (realRun) expect(log[0]?.service, "a run starts by checking the PBX").toBe("get_phonebook");
  for (const entry of log.slice(realRun ? 1 : 0)) calls[entry.service] = (calls[entry.service] ?? 0) + 1;
  return calls;
}

describe("incremental sync", () => {
  beforeEach(async () => {
    env.emulator.phonebook.clear();
    await env.writeMapping(MAPPING);
    await env.writeSource(rows(20));
  });

  it("pushes nothing on a second run without changes: the PBX only answers its reachability check", async () => {
    const first = await env.sync({ full: true });
    expect(first.summary.counts).toMatchObject({ read: 20, inserted: 20 });
    const before = env.emulator.requestLog.length;
    const second = await env.sync();
    expect(second.summary).toMatchObject({ status: "success", counts: { read: 20, unchanged: 20, inserted: 0, updated: 0, deleted: 0 } });
    expect(callsSince(before)).toEqual({});
    const { rows: results } = await env.latest();
    expect(results).toEqual([]);
  });

  it("pushes the one changed row, as one contact in one request", async () => {
    await env.sync({ full: true });
    const changed = rows(20);
    changed[6] = row(7, "Renamed S.p.A.");
    await env.writeSource(changed);
    const before = env.emulator.requestLog.length;
    const { summary } = await env.sync();
    expect(summary.counts).toMatchObject({ unchanged: 19, updated: 1, inserted: 0 });
    expect(env.emulator.requestLog.slice(before)).toEqual([
      expect.objectContaining({ service: "get_phonebook" }),
      expect.objectContaining({ service: "phonebook_import_sync", contacts: 1 }),
    ]);
    expect(env.emulator.phonebook.find("CRM", "7")?.company).toBe("Renamed S.p.A.");
    const { rows: results } = await env.latest();
    expect(results.map((result) => [result.ref, result.outcome])).toEqual([["line 8", "updated"]]);
  });

  it("re-pushes every contact when the mapping changes", async () => {
    await env.sync({ full: true });
    await env.writeMapping(MAPPING.replace("caption: Credit", "caption: Credit limit"));
    const { summary } = await env.sync();
    expect(summary.counts).toMatchObject({ updated: 20, unchanged: 0 });
    expect(env.emulator.phonebook.find("CRM", "3")?.ext_info).toEqual([{ caption: "Credit limit", value: "30" }]);
  });

  it("does not push a record whose change does not change the contact, and remembers it", async () => {
    await env.sync({ full: true });
    // Another phone spelling of the same number: a new raw record, the same normalized contact.
    await env.writeSource(rows(20).map((line, i) => (i === 4 ? line.replace("0733 100005", "0733/100005") : line)));
    const before = env.emulator.requestLog.length;
    expect((await env.sync()).summary.counts).toMatchObject({ unchanged: 20, updated: 0 });
    expect(callsSince(before)).toEqual({});
    // The new source hash was stored: the third run does not even map the record.
    expect((await env.sync()).summary.counts).toMatchObject({ unchanged: 20 });
  });

  it("deletes a removed row from the PBX and from the state, and reports it", async () => {
    await env.sync({ full: true });
    await env.writeSource(rows(20).filter((_, i) => i !== 11));
    const before = env.emulator.requestLog.length;
    const { summary } = await env.sync();
    expect(summary).toMatchObject({ status: "success", counts: { deleted: 1, unchanged: 19 } });
    expect(callsSince(before)).toEqual({ delete_phonebook: 1 });
    expect(env.emulator.phonebook.find("CRM", "12")).toBeUndefined();
    expect(env.emulator.phonebook.count()).toBe(19);
    const { rows: results } = await env.latest();
    expect(results).toEqual([expect.objectContaining({ externalId: "12", outcome: "deleted", action: "delete" })]);
    // Gone from the state too: the next run has nothing to delete.
    const again = await env.sync();
    expect(again.summary.counts).toMatchObject({ deleted: 0, unchanged: 19 });
  });

  it("counts a contact the PBX no longer has as deleted, with a note", async () => {
    await env.sync({ full: true });
    env.emulator.phonebook.clear();
    await env.writeSource(rows(20).slice(0, 19));
    const { summary } = await env.sync();
    expect(summary.counts.deleted).toBe(1);
    const { rows: results } = await env.latest();
    expect(results[0]).toMatchObject({ externalId: "20", outcome: "deleted", info: "already gone from the PBX" });
  });

  it("plans without touching the PBX or the state: 2 updates and 1 delete after two edits and one removal", async () => {
    await env.sync({ full: true });
    const edited = rows(20);
    edited[0] = row(1, "Edited One");
    edited[1] = row(2, "Edited Two");
    await env.writeSource(edited.filter((_, i) => i !== 9));
    const before = env.emulator.requestLog.length;
    const { summary, output } = await env.sync({ dryRun: true, plan: () => planCollector() });
    expect(summary.plan).toEqual({ insert: 0, update: 2, delete: 1 });
    expect(summary.runId).toBeNull();
    expect(output).toMatch(/plan: 0 to insert, 2 to update, 1 to delete/);
    expect(collected.map((entry) => [entry.class, entry.externalId])).toEqual([
      ["update", "1"],
      ["update", "2"],
      ["delete", "10"],
    ]);
    expect(callsSince(before, false)).toEqual({});
    // Nothing changed: the real run still has the same work to do.
    expect((await env.sync()).summary.counts).toMatchObject({ updated: 2, deleted: 1 });
  });
});

let collected: Array<{ class: string; externalId: string | null }> = [];
function planCollector() {
  collected = [];
  return {
    entry(entry: { class: string; externalId: string | null }) {
      collected.push({ class: entry.class, externalId: entry.externalId });
    },
    finish() {},
  };
}
