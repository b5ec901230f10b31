// compileMapping as the sync uses it: external ids, the app name, the columns read, the mapping's hash, the contact's shape.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compileMapping, parseMapping } from "../../src/mapping/index.js";
import { checkContact } from "../../src/mapping/check.js";
import { validateContact, type PbxContact } from "../../src/pbx/contact.js";
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
describe("the ids a broken record may have", () => {
  it("tries every value of the row in a one-column id, since the values may sit under the wrong columns", () => {
    const mapping = compile(`externalId: id\n${BODY}`);
    // A row with a field too many before the id column: the id moved into "first".
    expect(mapping.possibleIdsOf({ id: "x", first: "1042", last: "Rossi", company: "" })?.sort()).toEqual(["1042", "Rossi", "x"]);
  });

  it("applies the id's template and transforms to each guess, and drops empty ones", () => {
    const mapping = compile(`externalId: { from: code, transform: [upper] }\n${BODY}`);
    expect(mapping.possibleIdsOf({ code: "c-42", first: "", last: "b" })?.sort()).toEqual(["B", "C-42"]);
    const prefixed = compile(`externalId: "crm-{id}"\n${BODY}`);
    expect(prefixed.possibleIdsOf({ id: "7", first: "8", last: "" })?.sort()).toEqual(["crm-7", "crm-8"]);
  });

  it("cannot tell the ids of a hash or of several columns", () => {
    expect(compile(`externalId: { hash: [first, last] }\n${BODY}`).possibleIdsOf({ first: "a", last: "b" })).toBeNull();
    expect(compile(`externalId: "{branch}-{id}"\n${BODY}`).possibleIdsOf({ branch: "MC", id: "1" })).toBeNull();
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

  it("checks contacts by hand exactly as the PBX contact schema would", () => {
    const base: PbxContact = { name: "Mario", company: "Rossi", numoffice: "+390733123456", uc_app_name: "TEST", uc_external_id: "1" };
    const variants: PbxContact[] = [
      base,
      { ...base, company: "x".repeat(255) },
      { ...base, company: "x".repeat(256) },
      { ...base, email: `${"e".repeat(250)}@r.example` },
      { ...base, numother: "1".repeat(32) },
      { ...base, numother: "1".repeat(33) },
      { ...base, numother: "+39 0733" },
      { ...base, numother: "39+0733" },
      { ...base, uc_external_id: "i".repeat(255) },
      { ...base, uc_external_id: "i".repeat(256) },
      { ...base, ext_info: [{ caption: "Note", value: "n".repeat(1000) }] },
      { ...base, ext_info: [{ caption: "Note", value: "n".repeat(1001) }] },
      { ...base, ext_info: Array.from({ length: 51 }, (_, i) => ({ caption: `C${i}`, value: "v" })) },
    ];
    const answers = variants.map((contact) => [checkContact(contact) === undefined, validateContact(contact).ok]);
    for (const [i, [byHand, bySchema]] of answers.entries()) expect(byHand, `variant ${i}`).toBe(bySchema);
    expect(answers.map(([byHand]) => byHand)).toEqual([true, true, false, false, true, false, false, false, true, false, true, false, false]);
  });
});
