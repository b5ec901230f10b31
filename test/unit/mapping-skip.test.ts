// Local skip rules: field conditions, "no number", "no name", first match wins, each with the reason the report shows.
import { describe, expect, it } from "vitest";
import { map, mappingText, refusal } from "./mapping-helpers.js";

const BASE = "fields:\n  name: name\n  company: company\nnumbers:\n  numoffice: phone\n";
const GOOD = { name: "Mario", company: "Rossi", phone: "0733 123456", status: "active" };

/** What one skip rule (a YAML list item) does to a record. */
function withRule(rule: string, fields: Record<string, unknown>) {
  return map(`${BASE}skip:\n${rule}`, { ...GOOD, ...fields });
}

describe("skip rules", () => {
  it("skips on equals, ignoring case and spaces, with the reason given", () => {
    const rule = "  - when: { field: status, equals: inactive }\n    reason: customer is inactive in the CRM\n";
    for (const status of ["inactive", "INACTIVE ", " Inactive"]) {
      expect(withRule(rule, { status })).toEqual({ kind: "skip", reason: "customer is inactive in the CRM" });
    }
    expect(withRule(rule, { status: "active" }).kind).toBe("contact");
  });

  it("skips on one of a list of values, numbers and booleans compared as text", () => {
    const rule = "  - when: { field: status, in: [closed, lost, 0, false] }\n";
    expect(withRule(rule, { status: "Lost" })).toEqual({ kind: "skip", reason: '"status" is one of "closed", "lost", "0", "false"' });
    expect(withRule(rule, { status: 0 }).kind).toBe("skip");
    expect(withRule(rule, { status: false }).kind).toBe("skip");
    expect(withRule(rule, { status: "open" }).kind).toBe("contact");
  });

  it("skips on an empty or a non-empty field", () => {
    expect(withRule("  - when: { field: email, empty: true }\n", { email: " " })).toEqual({ kind: "skip", reason: '"email" is empty' });
    expect(withRule("  - when: { field: email, empty: true }\n", { email: "a@b.example" }).kind).toBe("contact");
    expect(withRule("  - when: { field: blocked, empty: false }\n", { blocked: "yes" })).toEqual({ kind: "skip", reason: '"blocked" is not empty' });
  });

  it("skips on a regular expression, with flags", () => {
    const rule = '  - when: { field: email, matches: "@competitor\\\\.example$", flags: i }\n';
    expect(withRule(rule, { email: "spy@Competitor.example" })).toEqual({ kind: "skip", reason: '"email" matches /@competitor\\.example$/i' });
    expect(withRule(rule, { email: "mario@rossi.example" }).kind).toBe("contact");
  });

  it("skips a record whose numbers all came out empty", () => {
    expect(withRule("  - when: noNumber\n", { phone: "" })).toEqual({ kind: "skip", reason: "no phone number" });
    // A value that is not a number leaves the field empty: still no number to match a call against.
    expect(withRule("  - when: noNumber\n    reason: nothing to call\n", { phone: "n/a" })).toEqual({ kind: "skip", reason: "nothing to call" });
    expect(withRule("  - when: noNumber\n", {}).kind).toBe("contact");
  });

  it("skips a record with none of name, surname and company (an e-mail alone is not a name)", () => {
    const body = "fields:\n  name: name\n  company: company\n  email: email\nnumbers:\n  numoffice: phone\nskip:\n  - when: noName\n";
    expect(map(body, { name: "", company: " ", email: "x@y.example", phone: "0733 123456" })).toEqual({ kind: "skip", reason: "no name, surname or company" });
    expect(map(body, { name: "", company: "Rossi", phone: "0733 123456" }).kind).toBe("contact");
  });

  it("gives the reason of the first rule that matches", () => {
    const rules = "  - when: { field: status, equals: inactive }\n    reason: inactive\n  - when: noNumber\n";
    expect(withRule(rules, { status: "inactive", phone: "" })).toEqual({ kind: "skip", reason: "inactive" });
    expect(withRule(rules, { status: "active", phone: "" })).toEqual({ kind: "skip", reason: "no phone number" });
  });

  it("skips before it looks at the id: a skipped record needs none", () => {
    const rule = "  - when: { field: status, equals: inactive }\n";
    expect(withRule(rule, { id: "", status: "inactive" }).kind).toBe("skip");
  });

  it("refuses a rule that tests nothing, or two things, or has a bad regular expression", () => {
    const text = (rule: string) => mappingText(`skip:\n${rule}`);
    expect(refusal(text("  - when: { field: status }\n")).message).toContain("skip[0].when: say what to test: equals, in, empty, matches or includes");
    expect(refusal(text("  - when: { field: status, equals: a, empty: true }\n")).message).toContain("use only one of equals, empty");
    expect(refusal(text('  - when: { field: status, matches: "(" }\n')).message).toContain("skip[0].when.matches: bad regular expression");
    expect(refusal(text("  - when: { field: status, equals: x, flags: i }\n")).message).toContain("flags go with matches");
    expect(refusal(text("  - when: noPhone\n")).message).toMatch(/skip\[0\]\.when: .*"noNumber"/);
  });
});
