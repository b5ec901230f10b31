// The mapping against hostile values: control characters and bidi overrides taken out of texts with a warning,
// never out of an id; records nested past any sane depth refused, and hashed without a stack overflow.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { isSyncError } from "../../src/errors.js";
import { jsonForHash, MAX_NESTING, tooDeepField } from "../../src/mapping/nesting.js";
import { sourceFingerprintOf, sourceSeedOf } from "../../src/sync/hashes.js";
import { compile, contactOf, map } from "./mapping-helpers.js";

const TEXTS = `fields:
  name: name
  company: company
  email: email
extInfo:
  - caption: Notes
    from: notes
`;

/** An object nested `depth` levels deep under `a`, built without recursion. */
function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as Record<string, unknown>;
}

describe("control characters in texts", () => {
  it("turns line breaks and tabs into one space and removes NUL, C1 controls and bidi overrides, with a warning per field", () => {
    const { contact, warnings } = contactOf(
      map(TEXTS, { name: "Mario\r\n\tRossi\u0000", company: "\u202eissoR\u202c \u2066Co\u2069\u0085", email: "a\u001b@b.example", notes: "one\ntwo\u009b" }),
    );
    expect(contact).toMatchObject({ name: "Mario Rossi", company: "issoR Co", email: "a@b.example", ext_info: [{ caption: "Notes", value: "one two" }] });
    expect(warnings).toEqual([
      "name: control characters removed (U+000D, U+000A, U+0009, U+0000; line breaks and tabs became spaces)",
      "company: control characters removed (U+202E, U+202C, U+2066, U+2069, U+0085; line breaks and tabs became spaces)",
      "email: control characters removed (U+001B)",
      'ext_info "Notes": control characters removed (U+000A, U+009B; line breaks and tabs became spaces)',
    ]);
  });

  it("keeps zero-width joiners, left-to-right marks, markup and formulas as they are, without a warning", () => {
    const family = "Famiglia 👨\u200d👩\u200d👧 \u200eשלום\u200f";
    const { contact, warnings } = contactOf(map(TEXTS, { name: family, company: "<script>alert(1)</script>", notes: "=cmd|'/c calc'!A1" }));
    expect(contact).toMatchObject({ name: family, company: "<script>alert(1)</script>", ext_info: [{ caption: "Notes", value: "=cmd|'/c calc'!A1" }] });
    expect(warnings).toEqual([]);
  });

  it("names more than five distinct characters by the first five", () => {
    const { warnings } = contactOf(map(TEXTS, { name: "a\u0001b\u0002c\u0003d\u0004e\u0005f\u0006g\u0007" }));
    expect(warnings).toEqual(["name: control characters removed (U+0001, U+0002, U+0003, U+0004, U+0005 and 2 more)"]);
  });

  it("refuses a record whose external id holds a control character or a bidi override, never altering the key", () => {
    for (const id of ["12\u00003", "12\u202e3", "12\t3", "12\u00853"]) {
      const result = map(TEXTS, { id, name: "Rossi" });
      expect(result.kind, JSON.stringify(id)).toBe("invalid");
      expect(result).toMatchObject({ problems: [expect.stringMatching(/^uc_external_id: "12<U\+[0-9A-F]{4}>3" holds control characters/) as unknown] });
    }
  });

  it("shows a skipped or invalid record's name without its control characters", () => {
    expect(compile(TEXTS).nameOf({ name: "Ma\u0000rio\u202e", company: "Alfa\nS.r.l." })).toBe("Mario (Alfa S.r.l.)");
  });
});

describe("records nested too deep", () => {
  it(`refuses a record with a field nested deeper than ${MAX_NESTING} levels, even one the mapping does not read`, () => {
    expect(map(TEXTS, { name: "Rossi", deep: nested(10_000) })).toEqual({ kind: "invalid", problems: [`field "deep" is nested deeper than ${MAX_NESTING} levels: the record is not read`] });
    expect(map(TEXTS, { name: "Rossi", list: [[[nested(MAX_NESTING)]]] })).toMatchObject({ kind: "invalid" });
  });

  it(`maps a record nested exactly ${MAX_NESTING} levels, counting the field as the first`, () => {
    expect(tooDeepField({ ok: nested(MAX_NESTING - 1) })).toBeUndefined();
    expect(tooDeepField({ deep: nested(MAX_NESTING) })).toBe("deep");
    expect(map(TEXTS, { name: "Rossi", ok: nested(MAX_NESTING - 1) }).kind).toBe("contact");
    expect(tooDeepField({ when: new Date(0), bytes: Buffer.from("x") }, 1)).toBeUndefined();
  });

  it("writes JSON.stringify's text for ordinary values and a text for values too deep for it, without throwing", () => {
    const ordinary = { a: [1, "two", null, { b: true, skip: undefined }], when: new Date(0), u: [undefined] };
    expect(jsonForHash(ordinary)).toBe(JSON.stringify(ordinary));
    const deep = nested(10_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = jsonForHash(deep);
    expect(text).toBe(`${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`);
    expect(JSON.parse(text)).toEqual(expect.any(Object));
  });

  it("hashes two deep records apart, the same record alike, where JSON.stringify overflows", () => {
    const mapping = compile(TEXTS);
    const seed = sourceSeedOf(mapping);
    const one = sourceFingerprintOf(seed, { fields: { id: "1", deep: nested(10_000, 1) } });
    expect(sourceFingerprintOf(seed, { fields: { id: "1", deep: nested(10_000, 1) } })).toBe(one);
    expect(sourceFingerprintOf(seed, { fields: { id: "1", deep: nested(10_000, 2) } })).not.toBe(one);
  });
});

describe("hostile YAML in a configuration", () => {
  function problemsOf(text: string): string {
    try {
      parseConfig(text, "/srv/config.yaml", { env: { VOISPEED_TOKEN: "tok-config-0123" } });
    } catch (err) {
      if (isSyncError(err)) {
        expect(err.code).toBe("CONFIG_INVALID");
        return err.message;
      }
      throw err;
    }
    throw new Error("the configuration was accepted");
  }

  it("names the line of an alias that names no anchor", () => {
    expect(problemsOf("pbx:\n  url: http://127.0.0.1:9\n  token: *nothing\n")).toMatch(/config\.yaml:3: \(top\): YAML alias \*nothing names no anchor \(&nothing\) set before it/);
  });

  it("names both lines of a key written twice, in one pass", () => {
    expect(problemsOf("pbx:\n  url: http://127.0.0.1:9\n  url: http://127.0.0.1:10\n")).toMatch(/config\.yaml:3: \(top\): Map keys must be unique: "url" is already on line 2/);
  });
});
