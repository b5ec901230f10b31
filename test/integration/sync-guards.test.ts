// The guards that stop the deletion phase: each trips, names its numbers, deletes nothing, and lets upserts through.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HEADER, MAPPING, rows, syncEnv, type SyncEnv } from "../helpers/sync-env.js";
import { runCli } from "../helpers/cli.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-GUARD-7a21");
});
afterAll(() => env.close());

beforeEach(async () => {
  env.emulator.phonebook.clear();
  await env.writeMapping(MAPPING);
  await env.writeSource(rows(20));
  // Mass deletes allowed here: a test that changed the ids leaves other contacts in state.
  await env.sync({ full: true, allowMassDelete: true });
});

function deletesSince(from: number): number {
  return env.emulator.requestLog.slice(from).filter((entry) => entry.service === "delete_phonebook").length;
}

describe("deletion guards", () => {
  it("aborts the deletions when the source yields zero records, and exits 4 from the CLI", async () => {
    await env.writeSource(`${HEADER}\n`);
    const before = env.emulator.requestLog.length;
    const result = await runCli(["sync", "--config", env.configFile, "--plain"]);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/aborted/);
    expect(result.stdout).toMatch(/the source yielded 0 records while 20 contacts of this job are on the PBX/);
    expect(deletesSince(before)).toBe(0);
    expect(env.emulator.phonebook.count()).toBe(20);
    const { run } = await env.latest();
    expect(run).toMatchObject({ status: "aborted" });
    expect(run.error).toMatch(/deletions aborted, nothing deleted/);
  });

  // A read cut short part-way (a CSV byte the encoding refuses is caught by the check before the run now) is
  // proven with a REST source whose second page fails: test/e2e/sync-read-failure.test.ts.

  it("keeps the contact of a broken row whose id can still be read, and deletes the one that vanished", async () => {
    const lines = rows(20).filter((_, i) => i !== 4);
    lines[2] = '3,Name 3,"Unclosed quote,0733 100003,30';
    lines[6] = "8,Name 8,Company 8,extra,0733 100008,80";
    await env.writeSource(lines);
    const { summary } = await env.sync();
    expect(summary.status).toBe("partial");
    expect(summary.counts).toMatchObject({ invalid: 2, deleted: 1, unchanged: 17 });
    expect(env.emulator.phonebook.find("CRM", "5")).toBeUndefined();
    expect(env.emulator.phonebook.find("CRM", "3")).toBeDefined();
    expect(env.emulator.phonebook.find("CRM", "8")).toBeDefined();
    const { rows: report } = await env.latest();
    expect(report.find((r) => r.ref === "line 4")).toMatchObject({ outcome: "invalid", externalId: "3" });
    expect(report.find((r) => r.ref === "line 4")?.info).toMatch(/unclosed quote in field "company" \(kept on the PBX: 3\)/);
    expect(report.find((r) => r.ref === "line 8")?.info).toMatch(/row has 6 fields, the header has 5 \(kept on the PBX: 8\)/);
  });

  it("aborts the deletions when a broken row's id cannot be told, since it may be any vanished contact", async () => {
    const hashed = MAPPING.replace("externalId: id", "externalId: { hash: [name, company] }");
    await env.writeMapping(hashed);
    await env.sync({ full: true, allowMassDelete: true }); // the contacts under their hashed ids
    const lines = rows(20).filter((_, i) => i !== 4);
    lines[2] = "3,Name 3,Company 3,extra,0733 100003,30";
    await env.writeSource(lines);
    const before = env.emulator.requestLog.length;
    const { summary } = await env.sync();
    expect(summary.status).toBe("aborted");
    expect(summary.error).toMatch(/1 source records could not be read far enough to tell their id; any of them may be one of the 2 contacts that look vanished/);
    expect(deletesSince(before)).toBe(0);
  });

  it("aborts over maxDeleteRatio, naming the numbers, and lets --allow-mass-delete through", async () => {
    await env.writeSource(rows(17));
    const { summary } = await env.sync();
    expect(summary.status).toBe("aborted");
    expect(summary.error).toMatch(/3 of 20 contacts \(15\.0%\) vanished from the source, over maxDeleteRatio 10\.0%/);
    expect(summary.error).toMatch(/--allow-mass-delete/);
    expect(env.emulator.phonebook.count()).toBe(20);
    // Who vanished, named, so the admin can decide on --allow-mass-delete.
    expect(summary.counts.kept).toBe(3);
    const { rows: report } = await env.latest();
    const kept = report.filter((r) => r.outcome === "kept");
    expect(kept.map((r) => r.externalId).sort()).toEqual(["18", "19", "20"]);
    for (const r of kept) {
      expect(r.displayName).toMatch(new RegExp(`Name ${r.externalId ?? "?"}`));
      expect(r.pbxId).toMatch(/\S/);
      expect(r.info).toMatch(/3 of 20 contacts \(15\.0%\) vanished/);
      expect(r.detail?.sent).toMatchObject({ company: `Company ${r.externalId ?? "?"}` });
    }
    const plan = await runCli(["sync", "--config", env.configFile, "--dry-run", "--plain"]);
    expect(plan.stdout).toMatch(/keep \(3\):\n\s+deletions aborted, nothing deleted: 3 of 20 contacts/);
    expect(plan.stdout).toMatch(/keep \(3\):\n.*\n\s+18 Name 18/);

    const allowed = await env.sync({ allowMassDelete: true });
    expect(allowed.summary).toMatchObject({ status: "success", counts: { deleted: 3 } });
    expect(env.emulator.phonebook.count()).toBe(17);
  });

  it("aborts over maxDeletes even with --allow-mass-delete", async () => {
    await env.writeSource(rows(18));
    const { summary } = await env.sync({ allowMassDelete: true, deletions: "    deletions: { maxDeletes: 1, maxDeleteRatio: 1 }\n" });
    expect(summary.status).toBe("aborted");
    expect(summary.error).toMatch(/2 contacts vanished from the source, more than maxDeletes 1/);
    expect(env.emulator.phonebook.count()).toBe(20);
  });

  it("deletes nothing when deletions are disabled, and says nothing is wrong", async () => {
    await env.writeSource(rows(5));
    const { summary } = await env.sync({ deletions: "    deletions: { enabled: false }\n" });
    expect(summary).toMatchObject({ status: "success", counts: { deleted: 0, unchanged: 5 } });
    expect(env.emulator.phonebook.count()).toBe(20);
  });
});
