// compileMapping as the sync uses it: external ids, the app name, the columns read, the mapping's hash, the contact's shape.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compileMapping, parseMapping } from "../../src/mapping/index.js";
import { pbxContactSchema, validateContact } from "../../src/pbx/contact.js";
import { compile, contactOf, map, MAPPING_FILE, mappingText } from "./mapping-helpers.js";

const BODY = "fields:\n  name: first\n  surname: last\n  company: company\nnumbers:\n  numoffice: phone\n";
const ROW = { first: "Mario", last: "Rossi", company: "Rossi S.r.l.", phone: "0733 123456" };

describe("the external id", () => {
  it("comes from a column, trimmed", () => {
    expect(contactOf(map(BODY, { ...ROW, id: " 1042 " })).contact.uc_external_id).toBe("1042");
  });

  it("comes from a template or a column with transforms", () => {
    expect(contactOf(map(`externalId: "{branch}-{id}"\n${BODY}`, { ...ROW, id: "42", branch: "MC" })).contact.uc_external_id).toBe("MC-42");
    const body = `externalId: { from: code, transform: [upper] }\n${BODY}`;
    expect(contactOf(map(body, { ...ROW, code: "c-42" })).contact.uc_external_id).toBe("C-42");
  });

  it("is a SHA-1 of the hash columns, blind to case and spacing, for exports without an id", () => {
    const body = `externalId: { hash: [first, last, company] }\n${BODY}`;
    const id = contactOf(map(body, ROW)).contact.uc_external_id;
    expect(id).toBe(createHash("sha1").update(["mario", "rossi", "rossi s.r.l."].join("\u001f")).digest("hex"));
    expect(contactOf(map(body, { ...ROW, first: " MARIO ", company: "Rossi  S.r.l." })).contact.uc_external_id).toBe(id);
    expect(contactOf(map(body, { ...ROW, first: "Maria" })).contact.uc_external_id).not.toBe(id);
    // Column boundaries count: "ab" + "c" is not "a" + "bc".
    const a = contactOf(map(body, { ...ROW, first: "ab", last: "c" })).contact.uc_external_id;
    const b = contactOf(map(body, { ...ROW, first: "a", last: "bc" })).contact.uc_external_id;
    expect(a).not.toBe(b);
  });

  it("makes a record without one invalid, naming the columns it reads", () => {
    expect(map(BODY, { ...ROW, id: "  " })).toEqual({ kind: "invalid", problems: ['uc_external_id: empty, because "id" is empty'] });
    const hashed = `externalId: { hash: [first, last] }\n${BODY}`;
    expect(map(hashed, { ...ROW, first: "", last: "" })).toEqual({
      kind: "invalid",
      problems: ['uc_external_id: empty, because "first", "last" are all empty'],
    });
  });

  it("is given alone by externalIdOf, for the incremental sync's state lookup", () => {
    expect(compile(BODY).externalIdOf({ ...ROW, id: "7" })).toBe("7");
    expect(compile(BODY).externalIdOf({ ...ROW, id: "" })).toBe("");
  });
});

describe("the app name", () => {
  it("is the job's by default", () => {
    const mapping = compile(BODY, { appName: "CRM" });
    expect(mapping.appName).toBe("CRM");
    expect(contactOf(mapping.apply({ ...ROW, id: "1" }, "line 2")).contact.uc_app_name).toBe("CRM");
  });

  it("is the mapping's own when it names one", () => {
    const mapping = compile(`appName: GOOGLE\n${BODY}`, { appName: "CRM" });
    expect(contactOf(mapping.apply({ ...ROW, id: "1" }, "line 2")).contact.uc_app_name).toBe("GOOGLE");
  });

  it("changes the mapping's hash, as does the file's text", () => {
    const loaded = parseMapping(mappingText(BODY), MAPPING_FILE);
    const crm = compileMapping(loaded, { appName: "CRM" }).hash;
    expect(compileMapping(loaded, { appName: "CRM" }).hash).toBe(crm);
    expect(compileMapping(loaded, { appName: "ERP" }).hash).not.toBe(crm);
    const edited = parseMapping(`${mappingText(BODY)}# a comment\n`, MAPPING_FILE);
    expect(compileMapping(edited, { appName: "CRM" }).hash).not.toBe(crm);
  });
});

describe("the compiled mapping", () => {
  it("lists every column it reads, in the order the mapping names them", () => {
    const body = `countryField: country\n${BODY}extInfo:\n  - caption: Where\n    template: "{city} ({country})"\nskip:\n  - when: { field: status, equals: x }\n`;
    expect(compile(body).columns).toEqual(["id", "first", "last", "company", "phone", "city", "country", "status"]);
  });

  it("writes the contact's keys in the guide's order, so one contact always serializes the same", () => {
    const body = `fields:\n  email: email\n  company: company\n  name: first\nnumbers:\n  numfax: fax\n  numoffice: phone\nextInfo:\n  - caption: C\n    from: c\n`;
    const { contact } = contactOf(map(body, { ...ROW, email: "m@r.example", fax: "0733 654321", c: "x" }));
    expect(Object.keys(contact)).toEqual(["name", "company", "numoffice", "numfax", "email", "uc_app_name", "uc_external_id", "ext_info"]);
  });

  it("leaves empty fields out of the contact", () => {
    const { contact } = contactOf(map(BODY, { ...ROW, last: "" }));
    expect(contact).not.toHaveProperty("surname");
  });

  it("reports a text too long for the PBX as invalid, with the fix, as the PBX contact schema would", () => {
    const result = map(BODY, { ...ROW, company: "x".repeat(300) });
    expect(result).toEqual({ kind: "invalid", problems: ["company: 300 characters, at most 255 (shorten it with { truncate: 255 })"] });
  });

  it("finds exactly the contacts the PBX contact schema refuses", () => {
    const body = "fields:\n  name: first\n  company: company\n  email: email\nnumbers:\n  numoffice: phone\n  numother: other\nextInfo:\n  - caption: Note\n    from: note\n";
    const rows = [
      ROW,
      { ...ROW, company: "x".repeat(255) },
      { ...ROW, company: "x".repeat(256) },
      { ...ROW, email: `${"e".repeat(250)}@r.example` },
      { ...ROW, other: "1".repeat(33) },
      { ...ROW, other: "1".repeat(32) },
      { ...ROW, note: "n".repeat(1000) },
      { ...ROW, note: "n".repeat(1001) },
      { ...ROW, id: "i".repeat(256) },
    ];
    const mapping = compile(`unparseable: keep-digits\nextensions: { maxDigits: 0 }\n${body}`);
    for (const row of rows) {
      const result = mapping.apply({ id: "1", ...row }, "line 2");
      const contact = result.kind === "contact" ? result.contact : undefined;
      if (contact) expect(pbxContactSchema.safeParse(contact).success, JSON.stringify(row).slice(0, 80)).toBe(true);
      if (result.kind === "invalid") {
        // Rebuild what would have been sent: the schema must refuse it too.
        const values: Record<string, unknown> = { name: row.first, company: row.company, uc_app_name: "TEST", uc_external_id: (row as { id?: string }).id ?? "1" };
        if ("email" in row) values["email"] = row.email;
        if ("note" in row) values["ext_info"] = [{ caption: "Note", value: row.note }];
        if ("other" in row) values["numother"] = row.other;
        expect(validateContact(values).ok, JSON.stringify(row).slice(0, 80)).toBe(false);
      }
    }
    const kinds = rows.map((row) => mapping.apply({ id: "1", ...row }, "line 2").kind);
    // 33 digits cannot be a number: the policy leaves the field empty before the limit is reached.
    expect(kinds).toEqual(["contact", "contact", "invalid", "invalid", "contact", "contact", "contact", "invalid", "invalid"]);
  });
});
