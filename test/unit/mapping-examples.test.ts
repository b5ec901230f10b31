// mappings/default.yaml against the demo's examples/contacts.csv: every row maps cleanly except the bad rows examples/README.md lists.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { csvConnector, type SourceItem } from "../../connectors/index.js";
import { compileMapping, loadMapping, type CompiledMapping } from "../../src/mapping/index.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const CSV = path.join(ROOT, "examples", "contacts.csv");

/** What a run reports for each deliberately bad or special row, by ref; every other row maps with no warning. */
const DOCUMENTED: Record<string, { outcome: "unreadable" | "skip" | "invalid" | "warning" | "duplicate" | "contact"; text: string }> = {
  "line 21": { outcome: "warning", text: 'numoffice: "(555) 123-4567" is not a valid number for US; kept digits "5551234567"' },
  "line 39": { outcome: "unreadable", text: "contacts.csv:39: row has 15 fields, the header has 16" },
  "line 46": { outcome: "warning", text: 'numoffice: "n/a" is not a phone number; left empty' },
  "line 62": { outcome: "skip", text: "no phone number" },
  "line 77": { outcome: "skip", text: "customer is inactive in the CRM" },
  "line 90": { outcome: "unreadable", text: "contacts.csv:90: row has 17 fields, the header has 16" },
  "line 101": { outcome: "warning", text: 'numoffice: "+49 30 12" is not a valid international number; kept digits "+493012"' },
  "line 113": { outcome: "warning", text: 'numoffice: extension "12" of "0733 123456 int. 12" left out (the PBX takes digits only)' },
  "line 122": { outcome: "invalid", text: 'uc_external_id: empty, because "id" is empty' },
  "line 131": { outcome: "contact", text: "200" },
  "line 142": { outcome: "skip", text: "customer is inactive in the CRM" },
  "line 152": { outcome: "duplicate", text: "1011" },
  "line 167": { outcome: "warning", text: 'Credit limit: "n.d." is not a number; shown as it is' },
  "line 186": { outcome: "skip", text: "no name, surname or company" },
  "line 200": { outcome: "unreadable", text: 'contacts.csv:200: unclosed quote in field "company"' },
};

let items: SourceItem[];
let mapping: CompiledMapping;

beforeAll(async () => {
  const config = csvConnector.configSchema.parse({ type: "csv", path: CSV });
  const ctx = { baseDir: ROOT };
  const { columns } = await csvConnector.check(config, ctx);
  mapping = compileMapping(await loadMapping(path.join(ROOT, "mappings", "default.yaml")), { appName: "DEMO", ...(columns ? { columns } : {}) });
  items = [];
  for await (const item of csvConnector.read(config, ctx)) items.push(item);
});

describe("mappings/default.yaml on examples/contacts.csv", () => {
  it("reads every column of the example and nothing else", async () => {
    const header = (await readFile(CSV, "utf8")).split("\n")[0]?.split(",") ?? [];
    expect([...mapping.columns].sort()).toEqual([...header].sort());
  });

  it("maps every row without a warning, except the documented bad rows, each reported as documented", () => {
    expect(items).toHaveLength(200);
    const seen = new Set<string>();
    const found: Record<string, { outcome: string; text: string }> = {};
    for (const item of items) {
      if (item.kind === "problem") {
        // The message names the file as configured: here an absolute path.
        found[item.ref] = { outcome: "unreadable", text: item.message.replace(`${path.dirname(CSV)}${path.sep}`, "") };
        continue;
      }
      if (item.kind !== "record") throw new Error(`a CSV source yields records and problems, not ${item.kind}`);
      const result = mapping.apply(item.fields, item.ref);
      const id = mapping.externalIdOf(item.fields);
      if (result.kind === "contact" && seen.has(id)) found[item.ref] = { outcome: "duplicate", text: id };
      else if (result.kind === "skip") found[item.ref] = { outcome: "skip", text: result.reason };
      else if (result.kind === "invalid") found[item.ref] = { outcome: "invalid", text: result.problems.join("; ") };
      else if (result.warnings.length > 0) found[item.ref] = { outcome: "warning", text: result.warnings.join("; ") };
      else if (item.ref in DOCUMENTED) found[item.ref] = { outcome: "contact", text: result.contact.numoffice ?? "" };
      // A skipped record is not sent, so its id does not make a later record a duplicate (as in the sync).
      if (result.kind === "contact") seen.add(id);
    }
    expect(found).toEqual(DOCUMENTED);
  });

  it("reads the row after the unclosed quote as a row of its own", () => {
    const last = items.at(-1);
    expect(last).toMatchObject({ kind: "record", ref: "line 201" });
    const result = mapping.apply(last?.kind === "record" ? last.fields : {}, "line 201");
    expect(result).toMatchObject({ kind: "contact", contact: { uc_external_id: "1200", company: "Fratelli Ricci S.r.l." } });
  });

  it("normalizes the names, companies and numbers people typed", () => {
    const records = items.flatMap((item) => (item.kind === "record" ? [mapping.apply(item.fields, item.ref)] : []));
    const contacts = records.flatMap((result) => (result.kind === "contact" ? [result.contact] : []));
    expect(contacts.length).toBeGreaterThan(180);
    for (const contact of contacts) {
      for (const text of [contact.name, contact.surname, contact.company]) {
        if (text !== undefined) expect(text, contact.uc_external_id).not.toMatch(/^\s|\s$|\s{2}/);
      }
      for (const name of [contact.name, contact.surname]) {
        if (name !== undefined && name.length > 1) expect(name, contact.uc_external_id).not.toBe(name.toUpperCase());
      }
    }
    const numbers = contacts.flatMap((c) => [c.numoffice, c.nummobile, c.numfax].filter((n): n is string => n !== undefined));
    const countries = new Set(numbers.filter((n) => n.startsWith("+")).map((n) => n.slice(0, 3)));
    for (const prefix of ["+39", "+49", "+33", "+44", "+41", "+1"]) expect([...countries].some((c) => c.startsWith(prefix)), prefix).toBe(true);
  });

  it("documents every bad row in examples/README.md", async () => {
    const readme = await readFile(path.join(ROOT, "examples", "README.md"), "utf8");
    for (const ref of Object.keys(DOCUMENTED)) expect(readme, ref).toContain(`| ${ref.replace("line ", "")} |`);
  });
});
