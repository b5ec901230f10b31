// The emulator's number sanitizing against the guide's rule, for any string (fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideContact } from "../../src/emulator/import-rules.js";
import { sanitizeNumber } from "../../src/emulator/sanitize.js";

const NUMBER_FIELDS = ["numoffice", "numhome", "nummobile", "numsms", "nummobil2", "numfax", "numother"] as const;

/**
 * The guide, chapter "Synchronisation of Contacts Directory": "The parameters that represented telephone numbers
 * admit strings formed exclusively by numeric characters, at most prefixed with the "+". Any other characters such
 * as letters, spaces, commas or special characters, are eliminated (sanitized)." Written from that text alone:
 * the other characters go; of what is left, a "+" in front is the prefix and any other "+" goes too. Numeric
 * characters are 0-9 (the PBX is PHP: other scripts' digits are "other characters"). A "+" alone prefixes nothing.
 */
function guideRule(raw: string): string {
  const left = [...raw].filter((ch) => (ch >= "0" && ch <= "9") || ch === "+").join("");
  const digits = left.replaceAll("+", "");
  if (digits === "") return "";
  return left.startsWith("+") ? `+${digits}` : digits;
}

/** Strings as numbers get typed and mistyped: digits, separators, prefixes, letters, other scripts' digits, controls. */
const typedNumber = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^\d{1,6}$/),
      fc.constantFrom("+", "00", " ", "-", "(", ")", ".", "/", ",", "x", "ext. ", "int. ", "A", "☎️", "٣", "３", "\u0000", "\u202e", "\t", "\n"),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(""));
const anyString = fc.oneof(typedNumber, fc.string(), fc.string({ unit: "binary" }));

describe("the emulator's number sanitizing (fast-check)", () => {
  it("gives what the guide's rule gives for any string", () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        expect(sanitizeNumber(raw)).toBe(guideRule(raw));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps a + written before the first digit, as in (+39) 0733 123456", () => {
    expect(sanitizeNumber("(+39) 0733 123456")).toBe("+390733123456");
    expect(sanitizeNumber("0733+123456")).toBe("0733123456");
    expect(sanitizeNumber("+")).toBe("");
  });

  it("stores every number field of an imported contact as the guide's rule gives it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NUMBER_FIELDS), anyString, (field, raw) => {
        const decision = decideContact({ uc_app_name: "APP", uc_external_id: "1", name: "Rossi", [field]: raw }, 1);
        if (decision.kind !== "store") throw new Error(`not stored: ${JSON.stringify(decision)}`);
        expect(decision.values[field]).toBe(guideRule(raw));
        // The guide's shape holds whatever came in: digits, with at most a leading +.
        expect(decision.values[field]).toMatch(/^(\+?\d+)?$/);
      }),
      { numRuns: 500 },
    );
  });
});
