// The demo as a user meets it: `npm start` twice, then an edited copy of the example previewed with --dry-run.
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Phonebook } from "../../src/emulator/phonebook.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

/** The emulator's stored phonebook of a demo data dir, read after the demo's process ended. */
function storedContacts(dbFile: string): { count: number; pairs: number; company: (id: string) => string | undefined } {
  const phonebook = new Phonebook(dbFile);
  try {
    const all = phonebook.all();
    const companies = new Map(all.map((contact) => [contact.uc_external_id, contact.company]));
    return {
      count: all.length,
      pairs: new Set(all.map((contact) => `${contact.uc_app_name}\u0000${contact.uc_external_id}`)).size,
      company: (id) => companies.get(id),
    };
  } finally {
    phonebook.close();
  }
}

const countOf = (output: string, label: string): number => Number(new RegExp(`^\\s+${label}\\s+(\\d+)$`, "m").exec(output)?.[1] ?? NaN);

describe("the demo (npm start)", () => {
  it("inserts the example on the first run, finds it unchanged on the second, and never duplicates", async () => {
    const data = await tempDir();
    const first = await runCli(["demo", "--data", data]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(countOf(first.stdout, "records read")).toBe(197);
    expect(countOf(first.stdout, "inserted")).toBe(191);
    expect(first.stdout).toMatch(/line 200\s+invalid\s+contacts\.csv:200: unclosed quote in field "company"/);
    expect(first.stdout).toContain(`phonebook-sync reports show 1 --store ${path.join(data, "phonebook-sync.sqlite")}`);

    const second = await runCli(["demo", "--data", data]);
    expect(second.code).toBe(0);
    expect(countOf(second.stdout, "inserted")).toBe(0);
    expect(countOf(second.stdout, "updated")).toBe(0);
    expect(countOf(second.stdout, "unchanged")).toBe(191);

    const full = await runCli(["demo", "--data", data, "--full"]);
    expect(full.code).toBe(0);
    expect(countOf(full.stdout, "updated")).toBe(191);
    const stored = storedContacts(path.join(data, "demo-pbx.sqlite"));
    expect(stored.count).toBe(191);
    expect(stored.pairs).toBe(191);
  });

  it("previews two edited rows and a deleted one as 2 updates and 1 delete, then does exactly that", async () => {
    const dir = await tempDir();
    for (const part of ["examples/contacts.csv", "examples/demo.yaml", "mappings/default.yaml"]) {
      await cp(path.join(ROOT, part), path.join(dir, part), { recursive: true });
    }
    const config = path.join(dir, "examples", "demo.yaml");
    const csv = path.join(dir, "examples", "contacts.csv");
    // Exit 3 (partial) throughout: the example has bad rows on purpose.
    expect((await runCli(["sync", "--config", config, "--plain"])).code).toBe(3);

    const lines = (await readFile(csv, "utf8")).split("\n");
    const edit = (id: string, from: string, to: string) => {
      const index = lines.findIndex((line) => line.startsWith(`${id},`));
      expect(lines[index]).toContain(from);
      lines[index] = (lines[index] ?? "").replace(from, to);
    };
    edit("1001", "Treuhand Meier GmbH", "Treuhand Meier AG");
    edit("1002", "Davide Moretti", "Silvia Caruso");
    await writeFile(csv, lines.filter((line) => !line.startsWith("1004,")).join("\n"));

    const plan = await runCli(["sync", "--config", config, "--dry-run", "--plain"]);
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain("plan: 0 to insert, 2 to update, 1 to delete");
    // An update names what changed against what the PBX last confirmed.
    expect(plan.stdout).toMatch(/update \(2\):\n\s+line 2\s+1001 Reto Meier \(Treuhand Meier AG\): company: Treuhand Meier GmbH → Treuhand Meier AG\n\s+line 3\s+1002 /);
    expect(plan.stdout).toMatch(/1002 Céline Moreau \(Boulangerie Moreau\): ext_info: .*Sales agent: Davide Moretti.* → .*Sales agent: Silvia Caruso/);

    // The JSON plan shows each contact as it would be sent, and an update's changed fields.
    const json = await runCli(["sync", "--config", config, "--dry-run", "--format", "json"]);
    const entries = json.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const meier = entries.find((entry) => entry["externalId"] === "1001");
    expect(meier).toMatchObject({ class: "update", changes: { company: { from: "Treuhand Meier GmbH", to: "Treuhand Meier AG" } } });
    const contact = meier?.["contact"] as Record<string, unknown>;
    expect(contact).toMatchObject({ uc_app_name: "DEMO", uc_external_id: "1001", company: "Treuhand Meier AG" });
    expect(Object.keys(meier?.["changes"] as object)).toEqual(["company"]);
    const numbers = Object.entries(contact).filter(([key]) => key.startsWith("num"));
    expect(numbers.length).toBeGreaterThan(0);
    for (const [, number] of numbers) expect(number).toMatch(/^\+\d{6,15}$/);
    expect(entries.find((entry) => entry["externalId"] === "1004")).toMatchObject({ class: "delete", name: "Antonio Bruno", lastSent: { name: "Antonio", surname: "Bruno" } });
    // A deletion names who is deleted, as the PBX last confirmed them.
    expect(plan.stdout).toMatch(/delete \(1\):\n\s+1004 Antonio Bruno \(PBX id \d+\): no longer in the source/);
    expect(storedContacts(path.join(dir, "data", "demo-pbx.sqlite")).company("1001")).toBe("Treuhand Meier GmbH");

    const sync = await runCli(["sync", "--config", config, "--plain"]);
    expect(sync.code).toBe(3);
    expect(countOf(sync.stdout, "updated")).toBe(2);
    expect(countOf(sync.stdout, "deleted")).toBe(1);
    const stored = storedContacts(path.join(dir, "data", "demo-pbx.sqlite"));
    expect(stored.count).toBe(190);
    expect(stored.company("1001")).toBe("Treuhand Meier AG");
    expect(stored.company("1004")).toBeUndefined();

    const again = await runCli(["sync", "--config", config, "--dry-run", "--plain"]);
    expect(again.stdout).toContain("plan: 0 to insert, 0 to update, 0 to delete");
  });
});
