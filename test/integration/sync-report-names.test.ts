// Report rows name the record even when nothing was sent for it: skipped, invalid and duplicate rows carry the
// display name their name fields give.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { HEADER, MAPPING, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-NAMES-5a1f");
});
afterAll(() => env.close());

describe("report rows of records not sent", () => {
  it("carry the record's name: skipped, invalid and duplicate alike; a record without a name gets none", async () => {
    await env.writeMapping(`${MAPPING}skip:\n  - when: { field: credit, equals: "0" }\n    reason: no credit\n`);
    await env.writeSource(
      [
        HEADER,
        "1,Maria Anders,Alfreds,0733 100001,10",
        "2,Ana Trujillo,Emparedados,0733 100002,0", // skipped by the rule
        "1,Maria Again,Alfreds,0733 100003,10", // a duplicate id
        ",Antonio Moreno,Taqueria,0733 100005,10", // invalid: no id
        "4,,,0733 100004,0", // skipped, and no name to give
      ].join("\n") + "\n",
    );
    await env.sync({ full: true });
    const { rows } = await env.latest();
    const byRef = new Map(rows.map((row) => [row.ref, row]));
    expect(byRef.get("line 3")).toMatchObject({ outcome: "skipped", displayName: "Ana Trujillo (Emparedados)" });
    expect(byRef.get("line 4")).toMatchObject({ outcome: "duplicate", displayName: "Maria Again (Alfreds)" });
    expect(byRef.get("line 6")?.outcome).toBe("skipped");
    expect(byRef.get("line 6")?.displayName ?? null).toBeNull();
    expect(byRef.get("line 5")).toMatchObject({ outcome: "invalid", displayName: "Antonio Moreno (Taqueria)" });
  });
});

describe("report rows of deletions", () => {
  it("name who was deleted, with the PBX id, in the run and in a dry run's plan", async () => {
    await env.writeMapping(MAPPING);
    await env.writeSource([HEADER, "11,Maria Anders,Alfreds,0733 100011,10", "12,Ana Trujillo,Emparedados,0733 100012,10", "13,Thomas Hardy,Around the Horn,0733 100013,10"].join("\n") + "\n");
    await env.sync({ full: true, allowMassDelete: true });
    const pbxId = env.emulator.phonebook.all().find((contact) => contact.uc_app_name === "CRM" && contact.uc_external_id === "12")?.id;
    await env.writeSource([HEADER, "11,Maria Anders,Alfreds,0733 100011,10", "13,Thomas Hardy,Around the Horn,0733 100013,10"].join("\n") + "\n");
    const planned = await runCli(["sync", "--config", env.configFile, "--dry-run", "--format", "json", "--allow-mass-delete"]);
    const plan = planned.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(plan.find((entry) => entry["class"] === "delete"), planned.stdout).toMatchObject({ externalId: "12", name: "Ana Trujillo (Emparedados)", pbxId: String(pbxId) });
    await env.sync({ allowMassDelete: true });
    const { rows } = await env.latest();
    const deleted = rows.filter((row) => row.outcome === "deleted");
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ externalId: "12", displayName: "Ana Trujillo (Emparedados)", pbxId: String(pbxId) });
    // What the deletion removed: the contact as the PBX last confirmed it.
    expect(deleted[0]?.detail).toEqual({ sent: { name: "Ana Trujillo", company: "Emparedados", numoffice: "+390733100012", ext_info: [{ caption: "Credit", value: "10" }] } });
  });
});

describe("report rows of contacts sent", () => {
  it("say what was sent, and for an update what each changed field held before", async () => {
    await env.writeMapping(MAPPING);
    await env.writeSource([HEADER, "21,Maria Anders,Alfreds,0733 100021,10", "22,Ana Trujillo,Emparedados,0733 100022,20"].join("\n") + "\n");
    await env.sync({ full: true, allowMassDelete: true });
    const first = await env.latest();
    expect(first.rows.find((row) => row.externalId === "21")?.detail).toEqual({
      sent: { name: "Maria Anders", company: "Alfreds", numoffice: "+390733100021", ext_info: [{ caption: "Credit", value: "10" }] },
    });

    await env.writeSource([HEADER, "21,Maria Anders,Alfreds GmbH,0733 100099,10", "22,Ana Trujillo,Emparedados,0733 100022,25"].join("\n") + "\n");
    const planned = await runCli(["sync", "--config", env.configFile, "--dry-run", "--format", "json"]);
    const plan = planned.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(plan.find((entry) => entry["externalId"] === "21")).toMatchObject({
      class: "update",
      contact: { uc_external_id: "21", company: "Alfreds GmbH", numoffice: "+390733100099" },
      changes: { company: { from: "Alfreds", to: "Alfreds GmbH" }, numoffice: { from: "+390733100021", to: "+390733100099" } },
    });
    expect(plan.find((entry) => entry["externalId"] === "22")?.["changes"]).toEqual({
      ext_info: { from: [{ caption: "Credit", value: "20" }], to: [{ caption: "Credit", value: "25" }] },
    });

    await env.sync();
    const { rows } = await env.latest();
    expect(rows.find((row) => row.externalId === "21")).toMatchObject({
      outcome: "updated",
      detail: { sent: { company: "Alfreds GmbH", numoffice: "+390733100099" }, before: { company: "Alfreds", numoffice: "+390733100021" } },
    });
    expect(Object.keys(rows.find((row) => row.externalId === "21")?.detail?.before ?? {})).toEqual(["company", "numoffice"]);
    const shown = await runCli(["reports", "show", "latest", "--config", env.configFile]);
    expect(shown.stdout).toMatch(/21 +Maria Anders \(Alfreds GmbH\) +updated +\d+ +company: Alfreds → Alfreds GmbH; numoffice: \+390733100021 → \+390733100099/);
  });
});
