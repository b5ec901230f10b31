// Country names and codes as people write them ("Germany", "UK", "Deutschland", "de") to ISO 3166 alpha-2 codes.
import { getCountries, type CountryCode } from "libphonenumber-js/min";

/** Languages whose country names are recognized: English and the languages of the countries we meet most. */
const NAME_LANGUAGES = ["en", "it", "de", "fr", "es", "nl", "pt"];

/** Names Intl.DisplayNames does not give: abbreviations, old and informal names. */
const ALIASES: Record<string, CountryCode> = {
  uk: "GB",
  "u.k.": "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  "northern ireland": "GB",
  britain: "GB",
  "great britain": "GB",
  usa: "US",
  "u.s.a.": "US",
  "u.s.": "US",
  america: "US",
  "united states of america": "US",
  holland: "NL",
  "the netherlands": "NL",
  "czech republic": "CZ",
  "south korea": "KR",
  korea: "KR",
  russia: "RU",
  "ivory coast": "CI",
  "vatican city": "VA",
  uae: "AE",
  "rep. of ireland": "IE",
  eire: "IE",
};

let byName: Map<string, CountryCode> | undefined;
let codes: ReadonlySet<string> | undefined;

/** Lower case, no accents, no dots or extra spaces: "Österreich" and "osterreich" meet. */
function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\./g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Built once, on first use: about 250 countries in a handful of languages. */
function nameMap(): Map<string, CountryCode> {
  if (byName) return byName;
  const map = new Map<string, CountryCode>();
  const countries = getCountries();
  for (const language of NAME_LANGUAGES) {
    const names = new Intl.DisplayNames([language], { type: "region", fallback: "none" });
    for (const code of countries) {
      const name = names.of(code);
      if (name && !map.has(fold(name))) map.set(fold(name), code);
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) map.set(fold(alias), code);
  byName = map;
  return map;
}

/** The ISO code for a country code or name, or undefined when it is neither. */
export function resolveCountry(text: string): CountryCode | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 2) {
    codes ??= new Set(getCountries());
    const upper = trimmed.toUpperCase();
    // "UK" is not ISO but everyone writes it.
    if (upper === "UK") return "GB";
    if (codes.has(upper)) return upper as CountryCode;
  }
  return nameMap().get(fold(trimmed));
}

/** True for a code libphonenumber-js has numbering rules for. */
export function isKnownCountry(code: string): code is CountryCode {
  codes ??= new Set(getCountries());
  return codes.has(code);
}
