// Skip rules on lists (`includes`) and inverted tests (`not`): "only contacts in the group Customers".
import { describe, expect, it } from "vitest";
import { map, mappingText, refusal } from "./mapping-helpers.js";

const BASE = "fields:\n  name: name\nnumbers:\n  numoffice: phone\n";
const GOOD = { name: "Mario", phone: "0733 123456" };

/** What one skip rule (a YAML list item) does to a record. */
function withRule(rule: string, fields: Record<string, unknown>) {
  return map(`${BASE}skip:\n${rule}`, { ...GOOD, ...fields });
}

const ONLY_CUSTOMERS = '  - when: { field: categories, includes: Customers, not: true }\n    reason: not in the group "Customers"\n';

describe("skip rules: includes", () => {
  it("finds an item of an array field, ignoring case and spaces around it", () => {
    const rule = "  - when: { field: categories, includes: customers }\n";
    expect(withRule(rule, { categories: ["VIP", " CUSTOMERS "] })).toEqual({ kind: "skip", reason: '"categories" includes "customers"' });
    expect(withRule(rule, { categories: ["VIP", "Former customers"] }).kind).toBe("contact");
    expect(withRule(rule, { categories: [] }).kind).toBe("contact");
  });

  it("takes an array's item whole, even with a comma in it", () => {
    const rule = '  - when: { field: categories, includes: "Rossi, Bianchi & Co." }\n';
    expect(withRule(rule, { categories: ["Rossi, Bianchi & Co."] }).kind).toBe("skip");
    expect(withRule("  - when: { field: categories, includes: Rossi }\n", { categories: ["Rossi, Bianchi & Co."] }).kind).toBe("contact");
  });

  it("splits a text on commas, as a CSV column lists groups", () => {
    const rule = "  - when: { field: Labels, includes: Customers }\n";
    expect(withRule(rule, { Labels: "Friends,  customers ,VIP" }).kind).toBe("skip");
    expect(withRule(rule, { Labels: "Friends, Customers-old" }).kind).toBe("contact");
    expect(withRule(rule, { Labels: "" }).kind).toBe("contact");
  });

  it("reads the items of a path with [*], and of lists in lists", () => {
    const rule = "  - when: { field: 'tel[*].types', includes: fax }\n";
    expect(withRule(rule, { tel: [{ types: ["work", "voice"] }, { types: ["work", "fax"] }] })).toEqual({ kind: "skip", reason: '"tel[*].types" includes "fax"' });
    expect(withRule(rule, { tel: [{ types: ["cell"] }] }).kind).toBe("contact");
    expect(withRule("  - when: { field: 'groups[*].name', includes: Customers }\n", { groups: [{ name: "Suppliers" }, { name: "customers" }] }).kind).toBe("skip");
  });

  it("compares a number or true/false item as text", () => {
    expect(withRule("  - when: { field: tags, includes: 42 }\n", { tags: [7, 42] }).kind).toBe("skip");
    expect(withRule("  - when: { field: tags, includes: 42 }\n", { tags: [7, 420] }).kind).toBe("contact");
  });
});

describe("skip rules: not", () => {
  it("keeps only the contacts in a group, and skips one without any group", () => {
    expect(withRule(ONLY_CUSTOMERS, { categories: ["Customers", "VIP"] }).kind).toBe("contact");
    expect(withRule(ONLY_CUSTOMERS, { categories: ["Suppliers"] })).toEqual({ kind: "skip", reason: 'not in the group "Customers"' });
    expect(withRule(ONLY_CUSTOMERS, { categories: [] })).toEqual({ kind: "skip", reason: 'not in the group "Customers"' });
    expect(withRule(ONLY_CUSTOMERS, {})).toEqual({ kind: "skip", reason: 'not in the group "Customers"' });
  });

  it("says the test is inverted in the reason it gives by default", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["{ field: categories, includes: Customers, not: true }", { categories: ["VIP"] }, '"categories" does not include "Customers"'],
      ["{ field: status, equals: active, not: true }", { status: "closed" }, '"status" is not "active"'],
      ["{ field: status, in: [open, won], not: true }", { status: "lost" }, '"status" is none of "open", "won"'],
      ["{ field: company, empty: true, not: true }", { company: "Rossi" }, '"company" is not empty'],
      ["{ field: company, empty: false, not: true }", { company: "" }, '"company" is empty'],
      ['{ field: email, matches: "@rossi\\\\.example$", flags: i, not: true }', { email: "x@other.example" }, '"email" does not match /@rossi\\.example$/i'],
    ];
    for (const [when, fields, reason] of cases) {
      expect(withRule(`  - when: ${when}\n`, fields), when).toEqual({ kind: "skip", reason });
    }
  });

  it("inverts every test, and `not: false` changes nothing", () => {
    expect(withRule("  - when: { field: status, equals: active, not: true }\n", { status: " Active" }).kind).toBe("contact");
    expect(withRule("  - when: { field: status, in: [open, won], not: true }\n", { status: "WON" }).kind).toBe("contact");
    expect(withRule("  - when: { field: email, matches: rossi, not: true }\n", { email: "mario@rossi.example" }).kind).toBe("contact");
    expect(withRule("  - when: { field: status, equals: closed, not: false }\n", { status: "closed" })).toEqual({ kind: "skip", reason: '"status" is "closed"' });
  });
});

describe("skip rules: refused specs", () => {
  const text = (rule: string) => mappingText(`${BASE}skip:\n${rule}`);

  it("refuses includes together with another test, and a rule with only not", () => {
    expect(refusal(text("  - when: { field: categories, includes: Customers, equals: VIP }\n")).message).toContain("skip[0].when: use only one of equals, includes");
    expect(refusal(text("  - when: { field: categories, not: true }\n")).message).toContain(
      "skip[0].when: say what to test: equals, in, empty, matches or includes",
    );
  });

  it("refuses an includes that is a list, and a not that is not true/false", () => {
    expect(refusal(text("  - when: { field: categories, includes: [Customers, VIP] }\n")).message).toContain("skip[0].when.includes: expected a text, a number or true/false");
    expect(refusal(text('  - when: { field: categories, includes: Customers, not: "yes" }\n')).message).toMatch(/skip\[0\]\.when\.not: .*boolean/);
  });
});
