// The precompiled validity test gives libphonenumber-js's own isValid() answer; the parser's cache stays bounded.
import { getCountries, getExampleNumber, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from "libphonenumber-js/min";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import { PhoneParser } from "../../src/mapping/index.js";
import { isValidPhone } from "../../src/mapping/phone-valid.js";

/** A small deterministic generator (mulberry32): the same numbers on every run. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("isValidPhone", () => {
  it("agrees with isValid() on example mobiles and on random digits in every country", () => {
    const random = generator(7);
    let valid = 0;
    let invalid = 0;
    for (const country of getCountries()) {
      const candidates: PhoneNumber[] = [];
      const example = getExampleNumber(country, examples);
      if (example) candidates.push(example);
      for (let i = 0; i < 20; i++) {
        const length = 6 + Math.floor(random() * 7);
        const digits = Array.from({ length }, () => Math.floor(random() * 10)).join("");
        // A plausible first digit now and then: most random strings fail on it alone.
        const text = (example && i % 2 === 0 ? example.nationalNumber.slice(0, 2) : "") + digits;
        const phone = parsePhoneNumberFromString(text, country as CountryCode);
        if (phone) candidates.push(phone);
      }
      for (const phone of candidates) {
        const expected = phone.isValid();
        expect(isValidPhone(phone), `${country} ${phone.number}`).toBe(expected);
        if (expected) valid++;
        else invalid++;
      }
    }
    // Both answers must be well represented, or the comparison proves little.
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(1000);
  });

  it("agrees on numbers without a single country (+800 freephone)", () => {
    const phone = parsePhoneNumberFromString("+800 1234 5678");
    expect(phone).toBeDefined();
    expect(isValidPhone(phone as PhoneNumber)).toBe((phone as PhoneNumber).isValid());
  });
});

describe("PhoneParser", () => {
  it("keeps at most cacheSize entries and gives the same answers after clearing", () => {
    const parser = new PhoneParser({ homeCountry: "IT", maxShortDigits: 4, national: false, cacheSize: 10 });
    const first = parser.parse("0733 123456", "IT");
    for (let i = 0; i < 25; i++) parser.parse(`0733 1234${String(i).padStart(2, "0")}`, "IT");
    expect(parser.cached).toBeLessThanOrEqual(10);
    expect(parser.parse("0733 123456", "IT")).toEqual(first);
  });

  it("keys its cache by country: one text, two countries, two numbers", () => {
    const parser = new PhoneParser({ homeCountry: "IT", maxShortDigits: 4, national: false });
    expect(parser.parse("030 1234567", "DE").e164).toBe("+49301234567");
    expect(parser.parse("030 1234567", "IT").e164).toBe("+390301234567");
  });
});
