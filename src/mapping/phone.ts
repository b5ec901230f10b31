// Phone numbers as people type them -> E.164 / national / digits, with libphonenumber-js and a bounded cache.
import { detached } from "../detached.js";
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from "libphonenumber-js/min";
import { isValidPhone } from "./phone-valid.js";
import type { NumberFormat } from "./schema.js";

/**
 * What a number became. For a short number (an internal extension, a short code) every format is the
 * digits as typed; for an invalid one only `kept` is set: its digits, with a leading "+" if it had one.
 */
export interface ParsedPhone {
  readonly valid: boolean;
  readonly short: boolean;
  readonly e164: string;
  readonly national: string;
  readonly digits: string;
  readonly kept: string;
  /** An extension typed after the number ("int. 12"): the PBX takes digits only, so it is left out. */
  readonly extension: string;
}

/** Already in E.164: a "+", a country code that does not start with 0, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;
const SEPARATORS = /[\s\-./()]/g;
const ALL_DIGITS = /^\d+$/;
const NON_DIGITS = /\D/g;
/** "0049 30..." and "00 49 30...": 00 is the international prefix nearly everywhere; libphonenumber only knows it for the default country. */
const DOUBLE_ZERO = /^\(?00\s*(?=[1-9])/;

/** Enough for the numbers an export repeats (switchboards, head offices); more would only hold memory. */
export const PHONE_CACHE_SIZE = 2_000;

export interface PhoneParserOptions {
  /** The PBX's own country: `national` output is given for numbers of this country's calling code only. */
  homeCountry: CountryCode;
  /** Numbers of at most this many digits (separators aside) are extensions and short codes: passed through. */
  maxShortDigits: number;
  /** Whether any field wants the national form; working it out costs as much again as the parse. */
  national: boolean;
  cacheSize?: number;
}

/**
 * Parses with a cache keyed by country and text: exports repeat numbers (a company's switchboard on every
 * employee), and parsing costs several microseconds while a lookup costs a fraction of one.
 */
export class PhoneParser {
  private readonly cache = new Map<string, ParsedPhone>();
  private readonly homeCallingCode: string;
  private readonly maxShortDigits: number;
  private readonly cacheSize: number;
  private readonly wantNational: boolean;

  constructor(options: PhoneParserOptions) {
    this.wantNational = options.national;
    this.homeCallingCode = getCountryCallingCode(options.homeCountry);
    this.maxShortDigits = options.maxShortDigits;
    this.cacheSize = options.cacheSize ?? PHONE_CACHE_SIZE;
  }

  /** `text` must be trimmed and non-empty. */
  parse(text: string, country: CountryCode): ParsedPhone {
    // Country codes are two letters, so the key needs no separator.
    const key = country + text;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const parsed = this.parseUncached(text, country);
    // Clearing all at once is cheaper than LRU bookkeeping per lookup, and refills fast.
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    // A key of its own: the text is a slice of the source chunk, which the cache would otherwise keep.
    this.cache.set(detached(key), parsed);
    return parsed;
  }

  private parseUncached(text: string, country: CountryCode): ParsedPhone {
    const compact = text.replace(SEPARATORS, "");
    if (compact.length <= this.maxShortDigits && ALL_DIGITS.test(compact)) {
      return { valid: true, short: true, e164: compact, national: compact, digits: compact, kept: compact, extension: "" };
    }
    const cleaned = text.replace(DOUBLE_ZERO, "+");
    const phone = parsePhoneNumberFromString(cleaned, country);
    if (!phone || !isValidPhone(phone as PhoneNumber)) {
      const kept = keptDigits(cleaned);
      // What is kept must read as itself again ("3000+0" keeps "30000", a valid number in Germany): the digits
      // alone are parsed once more. They are digits with at most a leading +, so this recurses once at most.
      if (kept !== "" && kept !== text) return this.parseUncached(kept, country);
      return { valid: false, short: false, e164: "", national: "", digits: "", kept, extension: "" };
    }
    const e164 = phone.number;
    let national = e164;
    if (this.wantNational && phone.countryCallingCode === this.homeCallingCode) {
      // formatNational() writes the trunk prefix where the country dials one ("030 ..." in Germany, "0733 ..."
      // in Italy, none in the US); the PBX wants digits only, and an extension would be glued on.
      const bare = phone.ext ? parsePhoneNumberFromString(e164) : phone;
      national = (bare ?? phone).formatNational().replace(NON_DIGITS, "");
    }
    return { valid: true, short: false, e164, national, digits: e164.slice(1), kept: e164, extension: phone.ext ?? "" };
  }

  /** Entries held now (for tests of the bound). */
  get cached(): number {
    return this.cache.size;
  }
}

/** The digits of a number that does not parse, with a leading "+" if it had one ("00" before a digit counts as one). */
function keptDigits(cleaned: string): string {
  const digits = cleaned.replace(NON_DIGITS, "");
  if (digits === "") return "";
  if (cleaned.trimStart().startsWith("+")) return `+${digits}`;
  return DOUBLE_ZERO.test(digits) ? `+${digits.slice(2)}` : digits;
}

/** The parsed number in the wanted format. */
export function formatPhone(parsed: ParsedPhone, format: NumberFormat): string {
  return format === "e164" ? parsed.e164 : format === "national" ? parsed.national : parsed.digits;
}
