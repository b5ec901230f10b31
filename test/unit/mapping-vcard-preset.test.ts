// mappings/vcard.yaml: compiles against a CardDAV source's fields and maps the records parseVCard gives.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseVCard, VCARD_COLUMNS } from "../../connectors/vcard.js";
import { compileMapping, loadMapping, parseMapping, type CompiledMapping, type MapResult } from "../../src/mapping/index.js";
import { APPLE_CARD, VCARD4_CARD } from "./vcard-cards.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const PRESET = path.join(ROOT, "mappings", "vcard.yaml");
/** What a CardDAV source says its columns are. */
const COLUMNS = [...VCARD_COLUMNS, "href", "etag"];

async function preset(): Promise<CompiledMapping> {
  return compileMapping(await loadMapping(PRESET), { appName: "CARDDAV", columns: COLUMNS });
}

/** Maps one card as the CardDAV source hands it over (its href stands in for a missing UID). */
function mapCard(mapping: CompiledMapping, text: string, href = "/dav/contacts/card.vcf"): MapResult {
  const parsed = parseVCard(text);
  if (!parsed.ok) throw new Error(`card refused at line ${parsed.line}: ${parsed.message}`);
  const uid = parsed.fields.uid !== "" ? parsed.fields.uid : href;
  return mapping.apply({ ...parsed.fields, uid, href, etag: '"1"' }, href);
}

function contactOf(result: MapResult) {
  if (result.kind !== "contact") throw new Error(`expected a contact, got ${JSON.stringify(result)}`);
  return result;
}

const card = (lines: string[]) => ["BEGIN:VCARD", "VERSION:3.0", ...lines, "END:VCARD"].join("\r\n");

describe("mappings/vcard.yaml", () => {
  it("compiles against the CardDAV fields, reading every tel pair", async () => {
    const mapping = await preset();
    expect(mapping.columns).toEqual(expect.arrayContaining(["uid", "givenName", "familyName", "org", "tel[0].type", "tel[9].value", "categories", "country"]));
  });

  it("maps an iPhone's card: numbers by type and label, the address's country, the ext_info blocks", async () => {
    const { contact, warnings } = contactOf(mapCard(await preset(), APPLE_CARD));
    expect(contact).toEqual({
      uc_app_name: "CARDDAV",
      uc_external_id: "0C3D7B2A-1111-4E0F-9A55-6B1B2C3D4E5F",
      name: "Zoë Anna",
      surname: "Müller",
      company: "Müller GmbH",
      email: "zoe.mueller@mueller.example",
      // Typed without +: read as German numbers, the country of the card's address ("Deutschland").
      nummobile: "+491712345678",
      numoffice: "+49301234567",
      numfax: "+49301234568",
      // A custom label ("Lager") goes to numother.
      numother: "+49307654321",
      numhome: "+49305550101",
      ext_info: [
        { caption: "Job title", value: "Leiterin Einkauf, Einkauf" },
        { caption: "E-mail", value: "zoe.mueller@mueller.example" },
        { caption: "Note", value: "Ruft gern morgens an. Rabatt 5%, Zahlung 30 Tage." },
        { caption: "Groups", value: "Customers, VIP" },
      ],
    });
    expect(warnings).toEqual([]);
  });

  it("maps a vCard 4 card: tel: URIs, the preferred numbers first, a full field's number to numother or out", async () => {
    const { contact, warnings } = contactOf(mapCard(await preset(), VCARD4_CARD));
    expect(contact).toMatchObject({
      uc_external_id: "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
      name: "Łukasz Jan Maria",
      surname: "Żółć",
      company: "Żółć Sp. z o.o.",
      email: "lukasz@zolc.example",
      nummobile: "+48600100200",
      numoffice: "+48221234567",
      numother: "+48227654321",
      numhome: "+48221112233",
    });
    expect(contact.ext_info).toEqual([{ caption: "E-mail", value: "lukasz@zolc.example" }, { caption: "Groups", value: "Customers, Suppliers" }]);
    expect(warnings).toEqual([
      'tel[1].value: extension "89" of "+48-22-123-45-67 ext. 89" left out (the PBX takes digits only)',
      'tel[4].value: no free field for "+48600100201" (label "other"); left out',
    ]);
  });

  it("routes main to numoffice, every fax to numfax and a pager to numother; national numbers read in the default country", async () => {
    const mapping = await preset();
    const { contact, warnings } = contactOf(
      mapCard(mapping, card(["N:Bianchi;Luca;;;", "item1.TEL:0733 100001", "item1.X-ABLabel:_$!<Main>!$_", "TEL;TYPE=HOME;TYPE=FAX:0733 100002", "TEL;TYPE=PAGER:333 1000003"])),
    );
    expect(contact).toMatchObject({ name: "Luca", surname: "Bianchi", numoffice: "+390733100001", numfax: "+390733100002", numother: "+393331000003" });
    expect(contact).not.toHaveProperty("nummobile");
    expect(warnings).toEqual([]);
  });

  it("passes over the pairs a card with one number lacks, without a warning", async () => {
    const { contact, warnings } = contactOf(mapCard(await preset(), card(["FN:Portineria", "TEL:+39 0733 123456"])));
    // Empty fields and ext_info blocks are left out of the contact.
    expect(contact).toEqual({ uc_app_name: "CARDDAV", uc_external_id: "/dav/contacts/card.vcf", name: "Portineria", numother: "+390733123456" });
    expect(warnings).toEqual([]);
  });

  it("uses the href as the id of a card without a UID", async () => {
    const result = contactOf(mapCard(await preset(), card(["FN:Anna", "TEL;TYPE=CELL:+39 333 1234567"]), "/dav/contacts/anna.vcf"));
    expect(result.contact.uc_external_id).toBe("/dav/contacts/anna.vcf");
  });

  it("skips a card without a number, and one without a name or company", async () => {
    const mapping = await preset();
    expect(mapCard(mapping, card(["FN:Solo e-mail", "EMAIL:a@b.example"]))).toEqual({ kind: "skip", reason: "no phone number" });
    expect(mapCard(mapping, card(["EMAIL:a@b.example", "TEL:+39 0733 123456"]))).toEqual({ kind: "skip", reason: "no name, surname or company" });
    // A company's card has the company only.
    expect(contactOf(mapCard(mapping, card(["N:;;;;", "FN:Rossi S.r.l.", "ORG:Rossi S.r.l.", "TEL;TYPE=WORK:0733 123456"]))).contact).toEqual({
      uc_app_name: "CARDDAV",
      uc_external_id: "/dav/contacts/card.vcf",
      company: "Rossi S.r.l.",
      numoffice: "+390733123456",
    });
  });

  it("keeps only the group Customers with the rule its comment shows", async () => {
    const text = await readFile(PRESET, "utf8");
    const enabled = text.replace(
      '  # - when: { field: categories, includes: Customers, not: true }\n  #   reason: not in the group "Customers"\n',
      '  - when: { field: categories, includes: Customers, not: true }\n    reason: not in the group "Customers"\n',
    );
    expect(enabled).not.toBe(text);
    const mapping = compileMapping(parseMapping(enabled, PRESET), { appName: "CARDDAV", columns: COLUMNS });
    expect(mapCard(mapping, APPLE_CARD).kind).toBe("contact");
    expect(mapCard(mapping, card(["FN:Fornitore", "CATEGORIES:Suppliers", "TEL:0733 123456"]))).toEqual({ kind: "skip", reason: 'not in the group "Customers"' });
    expect(mapCard(mapping, card(["FN:Nessuno", "TEL:0733 123456"]))).toEqual({ kind: "skip", reason: 'not in the group "Customers"' });
  });
});
