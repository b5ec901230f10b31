// The mapping compiler on any generated mapping (fast-check): a compiled mapping or MAPPING_INVALID, never anything else.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isSyncError } from "../../src/errors.js";
import { compileMapping, parseMapping, type CompiledMapping } from "../../src/mapping/index.js";
import { toText } from "../../src/mapping/values.js";
import { validateContact } from "../../src/pbx/contact.js";

const FILE = "/srv/mappings/generated.yaml";
const HEADER = ["id", "name", "company", "phone", "country", "note"];
/** Column names as mappings write them, good and bad: plain, paths, malformed paths, names not in the source. */
const column = fc.constantFrom(...HEADER, "Tel. ufficio", "phones[0].value", "phones[?label=work].value", "a.b.c", "bad[", "x]", "", "missing");
const columns = fc.oneof(column, fc.array(column, { maxLength: 3 }));
/** Regular expressions, valid and not, none of them slow on short input. */
const pattern = fc.constantFrom("\\d+", "^\\s+", "[a-", "(", "a|b", "(?<n>x)\\k<n>", "\\p{L}", "*", "", "[^0-9+]");
const flags = fc.constantFrom("", "g", "gi", "u", "gu", "y", "gg", "z");
const transform = fc.oneof(
  fc.constantFrom("trim", "upper", "lower", "title", "collapse", "digits", "nonsense"),
  fc.record({ truncate: fc.oneof(fc.integer({ min: -2, max: 300 }), fc.constant("ten")) }),
  fc.record({ default: fc.string({ maxLength: 5 }) }),
  fc.record({ prefix: fc.string({ maxLength: 3 }) }),
  fc.record({ replace: fc.record({ pattern, with: fc.string({ maxLength: 3 }), flags }, { requiredKeys: ["pattern"] }) }),
  fc.record({ trim: fc.constant(true), upper: fc.constant(true) }),
);
const template = fc
  .array(fc.oneof(fc.constantFrom("{name}", "{company}", "{ id }", "{", "}", "{{", "}}", "{}", " - ", "{phones[0].value}"), fc.string({ maxLength: 3 })), { maxLength: 4 })
  .map((parts) => parts.join(""));
const textSource = fc.oneof(
  column,
  template,
  fc.record({ from: columns, transform: fc.array(transform, { maxLength: 3 }) }, { requiredKeys: ["from"] }),
  fc.record({ concat: columns, separator: fc.string({ maxLength: 2 }) }, { requiredKeys: ["concat"] }),
  fc.record({ template, from: columns }),
  fc.anything({ maxDepth: 1 }),
);
const numberSource = fc.oneof(textSource, fc.record({ from: columns, format: fc.constantFrom("e164", "national", "digits", "roman") }));
const valueFormat = fc.record(
  {
    currency: fc.constantFrom("EUR", "USD", "XXX", "eur"),
    number: fc.oneof(fc.constant(true), fc.record({ minimumFractionDigits: fc.integer({ min: -1, max: 21 }), maximumFractionDigits: fc.integer({ min: 0, max: 3 }) })),
    date: fc.constantFrom("short", "long", "someday"),
    locale: fc.constantFrom("it-IT", "de-DE", "en", "xx-invalid-", ""),
    input: fc.constantFrom("iso", "dmy", "mdy", "ymd"),
    decimal: fc.constantFrom(".", ",", ";"),
  },
  { requiredKeys: [] },
);
const extInfoEntry = fc.record(
  { caption: fc.oneof(fc.string({ maxLength: 8 }), fc.constant("x".repeat(300))), from: columns, template, format: valueFormat, transform: fc.array(transform, { maxLength: 2 }) },
  { requiredKeys: ["caption"] },
);
const skipRule = fc.record(
  {
    when: fc.oneof(
      fc.constantFrom("noNumber", "noName", "sometimes"),
      fc.record({ field: column, equals: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), matches: pattern, flags: fc.constantFrom("", "i", "g"), empty: fc.boolean() }, { requiredKeys: ["field"] }),
    ),
    reason: fc.string({ maxLength: 5 }),
  },
  { requiredKeys: ["when"] },
);
const numberField = fc.constantFrom("numoffice", "numhome", "nummobile", "numsms", "nummobil2", "numfax", "numother", "numpager");

/** A mapping as people write it: the format's keys with values that are right, or nearly so. */
const plausibleMapping = fc.record(
  {
    version: fc.constant(1),
    externalId: fc.constantFrom("id", "{id}", { hash: ["name", "company"] }),
    defaultCountry: fc.constantFrom("IT", "US", "de"),
    countryField: fc.constant("country"),
    numberFormat: fc.constantFrom("e164", "national", "digits"),
    unparseable: fc.constantFrom("keep-digits", "drop", "skip-contact"),
    fields: fc.record(
      {
        name: fc.constantFrom("name", "{name} ({company})", { from: ["name", "company"], transform: ["trim", "title", { truncate: 20 }] }),
        company: fc.constantFrom("company", { template: "{company}", transform: [{ replace: { pattern: "\\s+", with: " " } }, { default: "n/a" }] }),
      },
      { requiredKeys: [] },
    ),
    numbers: fc.record({ numoffice: fc.constantFrom("phone", { from: "phone", format: "national" }), nummobile: fc.constant("phones[0].value") }, { requiredKeys: [] }),
    extInfo: fc.array(fc.record({ caption: fc.constantFrom("Note", "Amount"), from: fc.constant("note"), format: fc.constantFrom(undefined, { number: true }, { currency: "EUR", locale: "it-IT" }, { date: "short", input: "dmy" }) }, { requiredKeys: ["caption", "from"] }), { maxLength: 3 }),
    skip: fc.array(fc.constantFrom({ when: "noNumber" }, { when: "noName" }, { when: { field: "name", matches: "^test", flags: "i" } }), { maxLength: 2 }),
  },
  { requiredKeys: ["version", "externalId", "defaultCountry"] },
);

/** A mapping object: written as people write them, the format's keys with any values, or something else entirely. */
const mappingObject = fc.oneof(
  { weight: 5, arbitrary: plausibleMapping },
  { weight: 5, arbitrary: fc.record(
    {
      version: fc.constantFrom(1, 1, 1, 1, 1, 1, 2, "1"),
      appName: fc.oneof(fc.string({ maxLength: 5 }), fc.constant("A".repeat(70))),
      externalId: fc.oneof({ weight: 4, arbitrary: fc.constant("id") }, { weight: 1, arbitrary: textSource }, { weight: 1, arbitrary: fc.record({ hash: columns }) }),
      defaultCountry: fc.constantFrom("IT", "IT", "IT", "US", "de", " gb ", "XX", "ITA"),
      countryField: columns,
      numberFormat: fc.constantFrom("e164", "national", "digits", "hex"),
      unparseable: fc.constantFrom("keep-digits", "drop", "skip-contact", "explode"),
      extensions: fc.record({ maxDigits: fc.integer({ min: -1, max: 10 }) }),
      optionalColumns: fc.array(column, { maxLength: 2 }),
      fields: fc.dictionary(fc.constantFrom("name", "surname", "company", "email", "nickname"), textSource, { maxKeys: 4 }),
      numbers: fc.dictionary(numberField, numberSource, { maxKeys: 3 }),
      spread: fc.array(fc.record({ from: columns, into: fc.array(numberField, { maxLength: 3 }), format: fc.constantFrom("e164", "digits") }, { requiredKeys: ["from", "into"] }), { maxLength: 2 }),
      labelled: fc.record(
        {
          pairs: fc.array(fc.record({ label: column, value: column }), { maxLength: 2 }),
          labels: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(numberField, fc.constant("ignore"))),
          otherwise: fc.oneof(numberField, fc.constant("ignore")),
          separator: fc.string({ maxLength: 3 }),
        },
        { requiredKeys: ["pairs"] },
      ),
      extInfo: fc.array(extInfoEntry, { maxLength: 3 }),
      skip: fc.array(skipRule, { maxLength: 2 }),
      source: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: ["version", "externalId", "defaultCountry"] },
  ) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

/** Source values as CSV, SQL and REST sources hand them over: text, numbers, null, dates, nested JSON. */
const record = fc.record({
  id: fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)),
  name: fc.oneof(fc.string({ maxLength: 12 }), fc.constant("x".repeat(300))),
  company: fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })),
  phone: fc.oneof(fc.stringMatching(/^[+0-9 ()x-]{0,16}$/), fc.integer()),
  country: fc.constantFrom("", "IT", "Germany", "Narnia"),
  note: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.date({ noInvalidDate: false }), fc.double()),
  phones: fc.jsonValue({ maxDepth: 2 }),
});

/** Compiles the YAML of a mapping object: the compiled mapping, or the MAPPING_INVALID error; anything else fails. */
function compileGenerated(value: unknown, withHeader: boolean): CompiledMapping | undefined {
  // yaml writes nothing at all for a top-level undefined: that is an empty mapping file.
  const text = (stringify(value) as string | undefined) ?? "";
  try {
    return compileMapping(parseMapping(text, FILE), { appName: "GEN", ...(withHeader ? { columns: HEADER } : {}) });
  } catch (err) {
    if (!isSyncError(err)) throw err;
    expect(err.code).toBe("MAPPING_INVALID");
    expect(err.message.startsWith(`${FILE}:`)).toBe(true);
    return undefined;
  }
}

describe("the mapping compiler (fast-check)", () => {
  it("compiles any mapping object or refuses it with MAPPING_INVALID naming the file and line", () => {
    let compiled = 0;
    fc.assert(
      fc.property(mappingObject, fc.boolean(), (value, withHeader) => {
        if (compileGenerated(value, withHeader)) compiled++;
      }),
      { numRuns: 200 },
    );
    // The generator must reach the compiler, not only the schema: some of its mappings compile.
    expect(compiled).toBeGreaterThan(0);
  });

  it("maps any record with a mapping that compiled into a contact the PBX schema accepts, a skip, or an invalid", () => {
    fc.assert(
      fc.property(mappingObject, fc.array(record, { minLength: 1, maxLength: 5 }), (value, records) => {
        const mapping = compileGenerated(value, false);
        if (!mapping) return;
        for (const fields of records) {
          mapping.externalIdOf(fields);
          mapping.nameOf(fields);
          const result = mapping.apply(fields, "line 2");
          if (result.kind === "contact") expect(validateContact(result.contact)).toMatchObject({ ok: true });
          else if (result.kind === "skip") expect(result.reason).not.toBe("");
          else expect(result.problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("reads a value nested 20,000 levels deep (a hostile API) as text without overflowing the stack", () => {
    const deepList = JSON.parse(`${"[".repeat(20_000)}"x"${"]".repeat(20_000)}`) as unknown;
    const deepObject = JSON.parse(`${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`) as unknown;
    expect(() => toText(deepList)).not.toThrow();
    expect(toText(deepObject)).toBe("");
    expect(toText([["a", ["b"]], "c", { x: 1 }])).toBe('a, b, c, {"x":1}');
  });
});
