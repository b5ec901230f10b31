// PhoneNumber.isValid() with the metadata's patterns compiled once per country instead of on every call.
import { Metadata, type CountryCode, type PhoneNumber } from "libphonenumber-js/min";

/**
 * libphonenumber-js builds `new RegExp(pattern)` for every pattern it tests, every time: a third of the
 * cost of parsing and validating a number. This is the same test (isValidNumber -> getNumberType, min
 * metadata) with the regular expressions made once per country. test/unit/mapping-phone-valid.test.ts
 * checks it gives isValid()'s answer.
 */
type Validator = (nationalNumber: string) => boolean;

/** The types getNumberType tries, fixed line first. */
const TYPES = ["FIXED_LINE", "MOBILE", "PREMIUM_RATE", "TOLL_FREE", "SHARED_COST", "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL"] as const;

/** Methods Metadata has at run time but does not declare; checked before use, so a library change falls back safely. */
interface MetadataInternals {
  selectNumberingPlan(country: CountryCode): void;
  nationalNumberPattern(): string;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

const validators = new Map<CountryCode, Validator>();
const metadata = new Metadata() as unknown as Partial<MetadataInternals>;
const usable =
  typeof metadata.selectNumberingPlan === "function" &&
  typeof metadata.nationalNumberPattern === "function" &&
  typeof metadata.hasTypes === "function" &&
  typeof metadata.type === "function";

function whole(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function compile(country: CountryCode, metadata: MetadataInternals): Validator {
  metadata.selectNumberingPlan(country);
  const general = whole(metadata.nationalNumberPattern());
  if (!metadata.hasTypes()) return (national) => general.test(national);
  const types: { pattern: RegExp; lengths: number[] | undefined }[] = [];
  for (const name of TYPES) {
    const type = metadata.type(name);
    const pattern = type?.pattern();
    // An empty pattern means "same as fixed line" in the metadata: fixed line already covers it.
    if (type && pattern) types.push({ pattern: whole(pattern), lengths: type.possibleLengths() });
  }
  return (national) => {
    if (!general.test(national)) return false;
    for (const type of types) {
      if (type.lengths && !type.lengths.includes(national.length)) continue;
      if (type.pattern.test(national)) return true;
    }
    return false;
  };
}

/** Same answer as `phone.isValid()`. */
export function isValidPhone(phone: PhoneNumber): boolean {
  const country = phone.country;
  // No single country (a non-geographic +800 number, a shared code that matched none): the library's own path.
  if (country === undefined || !usable) return phone.isValid();
  let validator = validators.get(country);
  if (validator === undefined) {
    validator = compile(country, metadata as MetadataInternals);
    validators.set(country, validator);
  }
  return validator(phone.nationalNumber);
}
