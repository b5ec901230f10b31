// Bad mapping files fail at load or compile time, before any record is read, naming the file, the line and the fix.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSyncError, type SyncError } from "../../src/errors.js";
import { compileMapping, loadMapping } from "../../src/mapping/index.js";
import { tempDir } from "../helpers/temp.js";
import { compile, MAPPING_FILE, refusal } from "./mapping-helpers.js";

const GOOD = `version: 1
externalId: id
defaultCountry: IT
fields:
  name: first_name
  surname: last_name
numbers:
  numoffice: phone
`;
const COLUMNS = ["id", "first_name", "last_name", "phone", "fax"];

async function loadRefusal(file: string): Promise<SyncError> {
  try {
    const loaded = await loadMapping(file);
    compileMapping(loaded, { appName: "TEST", columns: COLUMNS });
  } catch (err) {
    if (isSyncError(err, "MAPPING_INVALID")) return err;
    throw err;
  }
  throw new Error("expected the mapping to be refused");
}

describe("a mapping that reads a column the source lacks", () => {
  it("is refused at compile time with the file, the line, the path and the nearest column", () => {
    const error = refusal(GOOD.replace("surname: last_name", "surname: lastname"), { columns: COLUMNS });
    expect(error.message).toBe(`${MAPPING_FILE}:6: fields.surname.from: no column "lastname" in the source (did you mean "last_name"?)`);
    expect(error.file).toBe(MAPPING_FILE);
    expect(error.line).toBe(6);
  });

  it("names the list item of a column in a list, and every missing column at once, in line order", () => {
    const text = `${GOOD}  numfax: { from: [fax, telefax] }\nextInfo:\n  - caption: Agent\n    from: agent\n`;
    const error = refusal(text.replace("name: first_name", "name: firstname"), { columns: COLUMNS });
    expect(error.message.split("\n")).toEqual([
      `${MAPPING_FILE}:5: fields.name.from: no column "firstname" in the source (did you mean "first_name"?)`,
      `${MAPPING_FILE}:9: numbers.numfax.from[1]: no column "telefax" in the source`,
      `${MAPPING_FILE}:12: extInfo[0].from: no column "agent" in the source`,
    ]);
  });

  it("finds columns in templates, hashes, country fields and skip conditions", () => {
    const text = GOOD.replace("externalId: id", "externalId: { hash: [id, email] }").replace(
      "fields:",
      'countryField: nation\nfields:\n  company: "{company} ({city})"',
    );
    const error = refusal(`${text}skip:\n  - when: { field: state, equals: x }\n`, { columns: COLUMNS });
    for (const column of ["email", "nation", "company", "city", "state"]) expect(error.message).toContain(`no column "${column}" in the source`);
  });

  it("accepts a missing column listed under optionalColumns", () => {
    const text = `${GOOD.replace("numoffice: phone", "numoffice: phone\n  numfax: telefax")}optionalColumns: [telefax]\n`;
    expect(compile(text, { columns: COLUMNS }).columns).toContain("telefax");
  });

  it("is not checked when the source cannot tell its columns before reading", () => {
    expect(compile(GOOD.replace("surname: last_name", "surname: lastname")).columns).toContain("lastname");
  });
});

describe("a mapping the schema refuses", () => {
  it("names an unknown transform with its line and the known ones", () => {
    const text = GOOD.replace("name: first_name", "name:\n    from: first_name\n    transform: [trim, titel]");
    expect(refusal(text).message).toBe(
      `${MAPPING_FILE}:7: fields.name.transform[1]: unknown transform "titel" (did you mean "title"?); known: trim, upper, lower, title, collapse, digits, default, replace, truncate, prefix, suffix`,
    );
  });

  it("names an unknown key on its own line, with the key it resembles", () => {
    const error = refusal(GOOD.replace("defaultCountry: IT", "defaultCountry: IT\nnumberFromat: national"));
    expect(error.message).toBe(`${MAPPING_FILE}:4: numberFromat: unknown key "numberFromat" (did you mean "numberFormat"?)`);
  });

  it("lists every problem at once, in line order", () => {
    const text = GOOD.replace("version: 1", "version: 2").replace("defaultCountry: IT", "defaultCountry: XX").replace("numoffice: phone", "numoffice: phone\n  numpager: pager");
    expect(refusal(text).message.split("\n")).toEqual([
      `${MAPPING_FILE}:1: version: expected one of 1, got 2`,
      `${MAPPING_FILE}:3: defaultCountry: not an ISO 3166 alpha-2 country code libphonenumber-js knows (e.g. IT, DE, GB, US)`,
      `${MAPPING_FILE}:9: numbers.numpager: unknown key "numpager" (keys here: numoffice, numhome, nummobile, numsms, nummobil2, numfax, numother)`,
    ]);
  });

  it("says what a missing required key is for", () => {
    expect(refusal(GOOD.replace("defaultCountry: IT\n", "")).message).toBe(
      `${MAPPING_FILE}:1: defaultCountry: required: the country of numbers typed without +/00, e.g. defaultCountry: IT`,
    );
    expect(refusal(GOOD.replace("externalId: id\n", "")).message).toBe(
      `${MAPPING_FILE}:1: externalId: required: the column with the source's own id (externalId: id), or { hash: [columns] } for an export without one`,
    );
    expect(refusal(GOOD.replace("version: 1\n", "")).message).toBe(`${MAPPING_FILE}:1: version: required: write version: 1`);
    expect(refusal(`${GOOD}spread:\n  - into: [numother]\n`).message).toBe(`${MAPPING_FILE}:10: spread[0].from: required: this key must be given`);
  });

  it("refuses a bad regular expression at compile time, on its line", () => {
    const text = GOOD.replace("name: first_name", 'name:\n    from: first_name\n    transform:\n      - replace: { pattern: "([a-z]" }');
    expect(refusal(text).message).toMatch(new RegExp(`^${MAPPING_FILE}:8: fields\\.name\\.transform\\[0\\]\\.replace\\.pattern: bad regular expression`));
  });

  it("refuses two ways of reading one value", () => {
    const text = GOOD.replace("name: first_name", "name: { from: first_name, template: \"{x}\" }");
    expect(refusal(text).message).toContain("fields.name: use only one of from, template");
  });
});

describe("a mapping file that is not YAML, or not there", () => {
  it("reports a YAML syntax error with its line", () => {
    const error = refusal(GOOD.replace("  surname: last_name", "  surname: [last_name"));
    expect(error.message).toMatch(new RegExp(`^${MAPPING_FILE}:\\d+: YAML syntax error: `));
    expect(error.line).toBeGreaterThanOrEqual(6);
  });

  it("reports a key given twice", () => {
    const error = refusal(GOOD.replace("  surname: last_name", "  surname: last_name\n  surname: first_name"));
    expect(error.message).toMatch(new RegExp(`^${MAPPING_FILE}:7: YAML syntax error: .*unique`, "i"));
  });

  it("reports a YAML document that is not a map", () => {
    expect(refusal("- version: 1\n").message).toContain(`${MAPPING_FILE}:1: expected a mapping: a YAML map with version, externalId, defaultCountry`);
  });

  it("reports an empty file", () => {
    expect(refusal("# nothing yet\n").message).toBe(`${MAPPING_FILE}:1: the mapping file is empty`);
  });

  it("names the path of a mapping file it cannot read", async () => {
    const dir = await tempDir();
    const missing = path.join(dir, "nope.yaml");
    expect((await loadRefusal(missing)).message).toBe(`cannot read mapping ${missing}: no such file`);
    expect((await loadRefusal(dir)).message).toBe(`cannot read mapping ${dir}: a directory, not a file`);
  });

  it("names the path of a file on disk in every problem, and ignores a byte-order mark", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "crm.yaml");
    await writeFile(file, `\ufeff${GOOD.replace("surname: last_name", "surname: lastname")}`);
    expect((await loadRefusal(file)).message).toBe(`${file}:6: fields.surname.from: no column "lastname" in the source (did you mean "last_name"?)`);
  });
});
