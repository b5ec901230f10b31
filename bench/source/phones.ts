// Phone numbers as CRM users type them, per country, each with the E.164 form the sync must turn it into.
import type { Draw } from "./random.js";

export const COUNTRIES = ["IT", "DE", "FR", "GB", "US", "CH"] as const;
export type Country = (typeof COUNTRIES)[number];

export interface GeneratedNumber {
  /** As written in the source. */
  text: string;
  /** What the PBX must hold after the sync: E.164, or the digits of a number that is not valid. */
  expected: string;
}

/** An area code, the subscriber digits after it, and the digits a subscriber number may start with there. */
type Range = readonly [area: string, length: number, first?: string];

interface Plan {
  callingCode: string;
  /** National significant number prefixes (area codes), the subscriber digits after each, and their first digits. */
  landline: readonly Range[];
  mobile: readonly Range[];
  /** Ways of writing the number: national forms first, then international ones. */
  national: ReadonlyArray<(area: string, subscriber: string) => string>;
  international: ReadonlyArray<(area: string, subscriber: string) => string>;
}

const pairs = (digits: string): string => digits.replace(/(\d\d)(?=\d)/g, "$1 ");
const swiss = (s: string): string => `${s.slice(0, 3)} ${s.slice(3, 5)} ${s.slice(5)}`;
const british = (s: string): string => (s.length === 8 ? `${s.slice(0, 4)} ${s.slice(4)}` : s.length === 7 ? `${s.slice(0, 3)} ${s.slice(3)}` : s);

const PLANS: Record<Country, Plan> = {
  // Italian landline numbers keep their 0 after +39; "+39 (0)733" is written all the same.
  IT: {
    callingCode: "39",
    landline: [["02", 8], ["06", 8], ["011", 7], ["051", 7], ["055", 7], ["0733", 6], ["0721", 6], ["081", 7]],
    mobile: [["333", 7], ["347", 7], ["348", 7], ["320", 7], ["328", 7], ["339", 7]],
    national: [(a, s) => `${a} ${s}`, (a, s) => `${a}/${s}`, (a, s) => `${a}-${s}`, (a, s) => `${a}${s}`],
    international: [(a, s) => `+39 ${a} ${s}`, (a, s) => (a.startsWith("0") ? `+39 (0)${a.slice(1)} ${s}` : `+39 ${a} ${s}`), (a, s) => `0039 ${a} ${s}`, (a, s) => `+39${a}${s}`],
  },
  DE: {
    callingCode: "49",
    landline: [["30", 7], ["30", 8], ["89", 8], ["40", 8], ["69", 8], ["221", 7], ["711", 7]],
    mobile: [["151", 8], ["152", 8], ["157", 8], ["160", 7], ["171", 7], ["176", 8]],
    national: [(a, s) => `0${a} ${s}`, (a, s) => `0${a}/${s}`, (a, s) => `(0${a}) ${pairs(s)}`, (a, s) => `0${a}-${s}`],
    international: [(a, s) => `+49 ${a} ${s}`, (a, s) => `+49 (0)${a} ${s}`, (a, s) => `0049 ${a} ${s}`],
  },
  FR: {
    callingCode: "33",
    landline: [["1", 8], ["2", 8], ["3", 8], ["4", 8], ["5", 8]],
    mobile: [["6", 8], ["7", 8]],
    national: [(a, s) => `0${a} ${pairs(s)}`, (a, s) => `0${a}.${pairs(s).replace(/ /g, ".")}`, (a, s) => `0${a}${s}`],
    international: [(a, s) => `+33 ${a} ${pairs(s)}`, (a, s) => `+33 (0)${a} ${pairs(s)}`, (a, s) => `0033 ${a}${s}`],
  },
  GB: {
    callingCode: "44",
    // The UK's plan is allocated block by block: these ranges are valid for any subscriber number.
    landline: [["20", 8, "378"], ["161", 7], ["141", 7], ["1223", 6], ["1865", 6]],
    mobile: [["7412", 6], ["7723", 6], ["7812", 6], ["7960", 6], ["7500", 6]],
    national: [(a, s) => `0${a} ${british(s)}`, (a, s) => `(0${a}) ${british(s)}`, (a, s) => `0${a}${s}`],
    international: [(a, s) => `+44 ${a} ${british(s)}`, (a, s) => `+44 (0)${a} ${british(s)}`, (a, s) => `0044 ${a} ${s}`],
  },
  US: {
    callingCode: "1",
    landline: [["212", 7], ["415", 7], ["617", 7], ["312", 7], ["213", 7], ["305", 7], ["206", 7], ["512", 7]],
    mobile: [["646", 7], ["917", 7], ["310", 7], ["773", 7]],
    national: [
      (a, s) => `(${a}) ${s.slice(0, 3)}-${s.slice(3)}`,
      (a, s) => `${a}-${s.slice(0, 3)}-${s.slice(3)}`,
      (a, s) => `${a}.${s.slice(0, 3)}.${s.slice(3)}`,
      (a, s) => `1 (${a}) ${s.slice(0, 3)}-${s.slice(3)}`,
    ],
    international: [(a, s) => `+1 ${a} ${s.slice(0, 3)} ${s.slice(3)}`, (a, s) => `+1 (${a}) ${s.slice(0, 3)}-${s.slice(3)}`],
  },
  CH: {
    callingCode: "41",
    landline: [["44", 7], ["22", 7], ["31", 7], ["61", 7], ["91", 7]],
    mobile: [["79", 7], ["78", 7], ["76", 7], ["77", 7]],
    national: [(a, s) => `0${a} ${swiss(s)}`, (a, s) => `0${a}/${swiss(s)}`, (a, s) => `0${a} ${s}`],
    international: [(a, s) => `+41 ${a} ${swiss(s)}`, (a, s) => `+41 (0)${a} ${swiss(s)}`, (a, s) => `0041 ${a} ${swiss(s)}`],
  },
};

export type NumberStyle = "any" | "international" | "plus";

/**
 * A valid number of `country`. Subscriber numbers start with 2..9 unless the range says otherwise, so that no
 * plan's reserved blocks are hit (US exchanges never start with 0 or 1).
 * "international" may use the 00 prefix; "plus" always writes "+" (Americans do not dial 00).
 */
export function phoneNumber(draw: Draw, salt: number, country: Country, kind: "landline" | "mobile", style: NumberStyle): GeneratedNumber {
  const plan = PLANS[country];
  const [area, length, first = "23456789"] = draw.pick(salt, kind === "landline" ? plan.landline : plan.mobile);
  const subscriber = first.charAt(draw.int(salt + 1, first.length)) + draw.digits(salt + 2, length - 1);
  const forms = style === "any" ? [...plan.national, ...plan.national, ...plan.international] : plan.international;
  let write = draw.pick(salt + 3, forms);
  if (style === "plus" && write(area, subscriber).startsWith("00")) write = plan.international[0] ?? write;
  return { text: write(area, subscriber), expected: `+${plan.callingCode}${area}${subscriber}` };
}

/** Junk real exports carry: an internal extension, a US number with an extension, a fictional 555 number. */
export function oddNumber(draw: Draw, salt: number, country: Country): GeneratedNumber {
  if (country === "US") {
    const line = draw.digits(salt, 4);
    if (draw.chance(salt + 1, 0.5)) return { text: `(555) 01${line.slice(0, 1)}-${line}`, expected: `55501${line.slice(0, 1)}${line}` };
    const number = phoneNumber(draw, salt + 2, country, "landline", "any");
    return { text: `${number.text} ext. ${line.slice(0, 3)}`, expected: number.expected };
  }
  if (country === "IT" && draw.chance(salt + 1, 0.5)) {
    const number = phoneNumber(draw, salt + 2, country, "landline", "any");
    return { text: `${number.text} int. ${draw.digits(salt + 3, 2)}`, expected: number.expected };
  }
  const extension = String(2 + draw.int(salt + 4, 8)) + draw.digits(salt + 5, 3);
  return { text: extension, expected: extension };
}
