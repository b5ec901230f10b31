// `sync --dry-run --record`: the plan kept in the store as a dry run, row by row, with nothing sent and no state moved.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";
import { HEADER, MAPPING, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-DRYREC-61c0");
});
afterAll(() => env.close());

const SOURCE = [HEADER, "31,Maria Anders,Alfreds,0733 100031,10", "32,Ana Trujillo,Emparedados,0733 100032,20", "33,Thomas Hardy,Around the Horn,0733 100033,30"];

describe("a recorded dry run", () => {
  it("keeps one row per planned contact, marked dry run, and leaves the PBX, the state and the last run alone", async () => {
    await env.writeMapping(MAPPING);
    await env.writeSource(`${SOURCE.join("\n")}\n`);
    const first = await env.sync({ full: true, allowMassDelete: true });
    expect(first.summary.status).toBe("success");
    const requestsBefore = env.emulator.requestLog.length;

    // One edited, one new, one gone.
    await env.writeSource(
      `${[HEADER, "31,Maria Anders,Alfreds GmbH,0733 100031,10", "32,Ana Trujillo,Emparedados,0733 100032,20", "34,Hanna Moos,Blauer See,0733 100034,40"].join("\n")}\n`,
    );
    const planned = await runCli(["sync", "--config", env.configFile, "--dry-run", "--record", "--allow-mass-delete", "--plain"]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/dry run #\d+ \(recorded\) success/);
    expect(planned.stdout).toContain("plan: 1 to insert, 1 to update, 1 to delete");

    const { run, rows } = await env.latest();
    expect(run).toMatchObject({ dryRun: true, status: "success", counts: { inserted: 1, updated: 1, deleted: 1 } });
    expect(rows.map((row) => [row.externalId, row.outcome])).toEqual([
      ["31", "updated"],
      ["34", "inserted"],
      ["33", "deleted"],
    ]);
    expect(rows[0]?.detail).toMatchObject({ sent: { company: "Alfreds GmbH" }, before: { company: "Alfreds" } });
    expect(rows[1]?.detail).toMatchObject({ sent: { name: "Hanna Moos", numoffice: "+390733100034" } });
    expect(rows[2]).toMatchObject({ displayName: "Thomas Hardy (Around the Horn)", detail: { sent: { company: "Around the Horn" } } });

    // Nothing was sent: the PBX heard no import or delete, and still holds the old contacts.
    const services = env.emulator.requestLog.slice(requestsBefore).map((entry) => entry.service);
    expect(services.filter((service) => service === "phonebook_import_sync" || service === "delete_phonebook")).toEqual([]);
    expect(env.emulator.phonebook.find("CRM", "31")?.company).toBe("Alfreds");
    expect(env.emulator.phonebook.find("CRM", "33")).toBeDefined();

    // The state did not move, and the dry run is no job's last run: the real run does all of it.
    const store = await openStore({ client: "sqlite", filename: path.join(env.dir, "store.sqlite") }, { mustExist: true });
    try {
      expect((await store.lastRun("crm", { statuses: ["success"] }))?.id).toBe(first.summary.runId);
    } finally {
      await store.close();
    }
    const real = await env.sync({ allowMassDelete: true });
    expect(real.summary.counts).toMatchObject({ inserted: 1, updated: 1, deleted: 1 });
    expect(env.emulator.phonebook.find("CRM", "31")?.company).toBe("Alfreds GmbH");
  });

  it("is refused without --dry-run: a real run is always recorded", async () => {
    const result = await runCli(["sync", "--config", env.configFile, "--record"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--record goes with --dry-run");
  });
});
