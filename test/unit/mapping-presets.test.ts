// The presets in mappings/ load, compile against their product's export header, and map an export of it.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { csvConnector, type SourceItem } from "../../connectors/index.js";
import { compileMapping, loadMapping, type CompiledMapping, type MapResult } from "../../src/mapping/index.js";
import { withoutFingerprint } from "../helpers/csv-items.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures");

async function readCsv(file: string): Promise<{ columns: string[]; items: SourceItem[] }> {
  const config = csvConnector.configSchema.parse({ type: "csv", path: file });
  const ctx = { baseDir: ROOT };
  const { columns = [] } = await csvConnector.check(config, ctx);
  const items: SourceItem[] = [];
  for await (const item of csvConnector.read(config, ctx)) items.push(withoutFingerprint(item));
  return { columns, items };
}

async function preset(name: string, columns: readonly string[]): Promise<CompiledMapping> {
  return compileMapping(await loadMapping(path.join(ROOT, "mappings", name)), { appName: "PRESET", columns });
}

/** Maps every record of a fixture export: its results by ref. */
async function mapExport(mappingName: string, fixture: string): Promise<Map<string, MapResult>> {
  const { columns, items } = await readCsv(path.join(FIXTURES, fixture));
  const mapping = await preset(mappingName, columns);
  const results = new Map<string, MapResult>();
  for (const item of items) {
    if (item.kind === "problem") throw new Error(`fixture row unreadable: ${item.message}`);
    if (item.kind !== "record") throw new Error(`a CSV source yields records and problems, not ${item.kind}`);
    results.set(item.ref, mapping.apply(item.fields, item.ref));
  }
  return results;
}

function contactAt(results: Map<string, MapResult>, ref: string) {
  const result = results.get(ref);
  if (result?.kind !== "contact") throw new Error(`${ref}: expected a contact, got ${JSON.stringify(result)}`);
  expect(result.warnings).toEqual([]);
  return result.contact;
}

const HEX_ID = /^[0-9a-f]{40}$/;

describe("mappings/google-contacts.yaml", () => {
  it("compiles against the smallest Google export (one phone pair, no e-mail or address columns)", async () => {
    const header = ["First Name", "Middle Name", "Last Name", "Nickname", "Organization Name", "Organization Title", "Organization Department", "Notes", "Labels", "Phone 1 - Label", "Phone 1 - Value"];
    const mapping = await preset("google-contacts.yaml", header);
    expect(mapping.columns).toContain("Phone 1 - Value");
    expect(mapping.columns).not.toContain("Phone 2 - Value");
  });

  it("maps a Google export: labels to fields, two numbers in a cell, the primary mark, groups, notes on one line", async () => {
    const results = await mapExport("google-contacts.yaml", "google-contacts.csv");
    const mario = contactAt(results, "line 2");
    expect(mario).toMatchObject({
      name: "Mario",
      surname: "Rossi",
      company: "Rossi & Figli S.r.l.",
      nummobile: "+393331234567",
      numoffice: "+390733123456",
      numfax: "+390733654321",
      email: "mario.rossi@rossifigli.example",
      uc_app_name: "PRESET",
      ext_info: [
        { caption: "Job title", value: "Sales Manager, Vendite" },
        { caption: "Groups", value: "Clienti" },
        { caption: "Notes", value: "Chiamare dopo le 10. Pagamento a 60 giorni." },
      ],
    });
    expect(mario.uc_external_id).toMatch(HEX_ID);
    // Quoted multi-line notes and addresses: each record's ref is the line it starts on. The address's
    // country reads the German numbers typed nationally.
    expect(contactAt(results, "line 6")).toMatchObject({ company: "Müller GmbH", numoffice: "+49301234567", numother: "+49307654321", nummobile: "+491712345678" });
    expect(contactAt(results, "line 9")).toMatchObject({ name: "Jane A.", numhome: "+12125550123", numother: "+16465550199", email: "jane.smith@example.com" });
    expect(results.get("line 10")).toEqual({ kind: "skip", reason: "no name, surname or company" });
    expect(contactAt(results, "line 11")).toMatchObject({ company: 'Trattoria "Da Gino"', numoffice: "+39071234567", numother: "+39071234568" });
  });

  it("gives each contact its own stable id", async () => {
    const first = await mapExport("google-contacts.yaml", "google-contacts.csv");
    const again = await mapExport("google-contacts.yaml", "google-contacts.csv");
    const ids = [...first.values()].flatMap((r) => (r.kind === "contact" ? [r.contact.uc_external_id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...again.values()].flatMap((r) => (r.kind === "contact" ? [r.contact.uc_external_id] : []))).toEqual(ids);
  });
});

describe("mappings/outlook.yaml", () => {
  it("compiles against the Outlook.com export's header, which has no Categories column", async () => {
    const header =
      "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,Assistant's Phone,Company Yomi,Business Street,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,Home City,Home State,Home Postal Code,Home Country/Region,Other Street,Other City,Other State,Other Postal Code,Other Country/Region,Personal Web Page,Spouse,Schools,Hobby,Location,Web Page,Birthday,Anniversary,Notes";
    const mapping = await preset("outlook.yaml", header.split(","));
    expect(mapping.columns).toContain("Mobile Phone");
  });

  it("maps a classic Outlook export: a column per kind of number, left-overs spread, repeats dropped", async () => {
    const results = await mapExport("outlook.yaml", "outlook-contacts.csv");
    const anna = contactAt(results, "line 2");
    expect(anna).toMatchObject({
      name: "Anna",
      surname: "Bianchi",
      company: "Bianchi Impianti S.r.l.",
      numoffice: "+390733123456",
      nummobile: "+393471234567",
      numfax: "+390733123458",
      numother: "+390733123457",
      email: "anna.bianchi@bianchiimpianti.example",
      ext_info: [
        { caption: "Job title", value: "Responsabile acquisti, Acquisti" },
        { caption: "Categories", value: "Clienti, Marche" },
        { caption: "Notes", value: "Preferisce essere chiamata al mattino." },
      ],
    });
    expect(anna.uc_external_id).toMatch(HEX_ID);
    // "Schweiz" reads the Swiss numbers; the switchboard repeats the business phone and is not sent twice.
    const hans = contactAt(results, "line 3");
    expect(hans).toMatchObject({ name: "Hans Peter", numoffice: "+41446681800", numhome: "+41441234567", nummobile: "+41791234567", numother: "+41797654321" });
    expect(hans).not.toHaveProperty("nummobil2");
    // A four-digit pager number is an extension: passed through.
    expect(contactAt(results, "line 4")).toMatchObject({ numhome: "+442079460958", nummobile: "+447911123456", numother: "1234" });
    expect(results.get("line 5")).toEqual({ kind: "skip", reason: "no phone number" });
  });
});
