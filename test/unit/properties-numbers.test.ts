// Number normalization for any typed text (fast-check): never throws, digits with an optional leading +, idempotent.
import fc from "fast-check";
import type { CountryCode } from "libphonenumber-js/min";
import { describe, expect, it } from "vitest";
import { PhoneParser, formatPhone } from "../../src/mapping/phone.js";
import { MAX_NUMBER_LENGTH } from "../../src/pbx/contact.js";
import { compile } from "./mapping-helpers.js";

const COUNTRIES = ["IT", "DE", "GB", "US", "FR", "CH", "IN", "BR"] as const;
const FORMATS = ["e164", "national", "digits"] as const;
const POLICIES = ["keep-digits", "drop", "skip-contact"] as const;
const PBX_NUMBER = /^\+?\d+$/;

/** Numbers as people type them into a CRM, and as they go wrong: prefixes, extensions, letters, emoji, 40 digits. */
const typedNumber = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.stringMatching(/^\d{1,8}$/),
        fc.constantFrom("+", "00", "0", " ", "-", "(", ")", ".", "/", "x", "x123", " ext. 7", " int. 45", "#", "A", "O", "l", "☎️", "📞", "٣", "３", "\u202e", "\u200d"),
      ),
      { minLength: 1, maxLength: 10 },
    )
    .map((parts) => parts.join("")),
  fc.stringMatching(/^\+?\d{1,40}$/),
  fc.string({ minLength: 1, maxLength: 30 }),
);

describe("number normalization (fast-check)", () => {
  it("parses any text in any country without throwing, every form digits with an optional leading +", () => {
    const parsers = [true, false].map((national) => new PhoneParser({ homeCountry: "IT", maxShortDigits: 4, national }));
    fc.assert(
      fc.property(typedNumber, fc.constantFrom(...COUNTRIES), fc.constantFrom(...parsers), (typed, country, parser) => {
        const text = typed.trim();
        if (text === "") return;
        const parsed = parser.parse(text, country as CountryCode);
        expect(parsed.kept).toMatch(/^(\+?\d+)?$/);
        if (!parsed.valid) return;
        for (const format of FORMATS) expect(formatPhone(parsed, format)).toMatch(PBX_NUMBER);
      }),
      { numRuns: 600 },
    );
  });

  for (const policy of POLICIES) {
    it(`maps any number under unparseable: ${policy} to digits with an optional leading +, or leaves it out`, () => {
      const mappings = FORMATS.map((format) => compile(`unparseable: ${policy}\nnumberFormat: ${format}\nfields:\n  company: company\nnumbers:\n  numoffice: phone\n`));
      fc.assert(
        fc.property(typedNumber, fc.constantFrom(...mappings), (typed, mapping) => {
          const result = mapping.apply({ id: "1", company: "Rossi", phone: typed }, "line 2");
          if (result.kind === "skip") {
            expect(policy).toBe("skip-contact");
            return;
          }
          if (result.kind !== "contact") throw new Error(`expected a contact, got ${JSON.stringify(result)}`);
          const number = result.contact.numoffice;
          if (number === undefined) return;
          expect(number).toMatch(PBX_NUMBER);
          expect(number.length).toBeLessThanOrEqual(MAX_NUMBER_LENGTH);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("is idempotent: a number it wrote (E.164, national, or digits kept) maps to itself again", () => {
    // Not "digits": without its + an international number's country is gone, so re-reading it is another question.
    const mappings = (["e164", "national"] as const).flatMap((format) =>
      COUNTRIES.slice(0, 4).map((country) => ({
        country,
        mapping: compile(`defaultCountry: ${country}\nnumberFormat: ${format}\nfields:\n  company: company\nnumbers:\n  numoffice: phone\n`),
      })),
    );
    fc.assert(
      fc.property(typedNumber, fc.constantFrom(...mappings), (typed, { mapping }) => {
        const once = mapping.apply({ id: "1", company: "Rossi", phone: typed }, "line 2");
        if (once.kind !== "contact" || once.contact.numoffice === undefined) return;
        const twice = mapping.apply({ id: "1", company: "Rossi", phone: once.contact.numoffice }, "line 2");
        if (twice.kind !== "contact") throw new Error(`expected a contact, got ${JSON.stringify(twice)}`);
        expect(twice.contact.numoffice).toBe(once.contact.numoffice);
      }),
      { numRuns: 600 },
    );
  });
});
