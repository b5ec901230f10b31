// Contact number i of a generated source, as written in the CSV and as the PBX must hold it after a sync.
import { asciiLabel, companyWord, PEOPLE, SALES_AGENTS } from "./names.js";
import { COUNTRIES, oddNumber, phoneNumber, type Country, type GeneratedNumber } from "./phones.js";
import { Draw, hash32 } from "./random.js";

export const CSV_HEADER = ["id", "first_name", "last_name", "company", "country", "email", "phone", "mobile", "home", "fax", "credit_limit", "last_order", "sales_agent"] as const;

/** Shares of the edited variant of a source: per mille of rows edited and removed. */
export const EDITED_PER_MILLE = 10;
export const REMOVED_PER_MILLE = 5;

export type Fate = "kept" | "edited" | "removed";

export interface BenchContact {
  id: string;
  first: string;
  last: string;
  company: string;
  country: Country;
  email: string;
  phone: GeneratedNumber;
  mobile: GeneratedNumber;
  home: GeneratedNumber | null;
  fax: GeneratedNumber | null;
  /** "12345.67" or "12,345.67". */
  credit: string;
  /** dd/mm/yyyy. */
  lastOrder: string;
  agent: string;
}

/** Italy is the home market; the rest are the neighbours and the big export markets. */
const COUNTRY_WEIGHTS: readonly Country[] = ["IT", "IT", "IT", "IT", "DE", "DE", "FR", "FR", "GB", "US", "US", "CH"];
const DAY_MS = 86_400_000;
const FIRST_ORDER_DAY = Date.UTC(2015, 0, 1);

export function externalIdOf(row: number): string {
  return `C${String(row).padStart(7, "0")}`;
}

/** Companies in a source of `rows` contacts: eight contacts each on average. */
export function companiesFor(rows: number): number {
  return Math.max(20, Math.round(rows / 8));
}

/** What the edited variant does with row i: about 1% edited, 0.5% removed, the same every time. */
export function fateOf(row: number): Fate {
  const slot = hash32(row, 7001) % 1000;
  return slot < REMOVED_PER_MILLE ? "removed" : slot < REMOVED_PER_MILLE + EDITED_PER_MILLE ? "edited" : "kept";
}

interface Company {
  name: string;
  country: Country;
  domain: string;
  switchboard: GeneratedNumber;
}

function companyAt(index: number): Company {
  const draw = new Draw(index);
  const country = draw.pick(901, COUNTRY_WEIGHTS);
  const people = PEOPLE[country];
  const last = draw.pick(902, people.last);
  const word = companyWord(draw.int(903, 1_000));
  const name = draw.pick(904, people.companies)(last, word);
  const domain = `${asciiLabel(`${last} ${word}`)}.${people.tld}`;
  return { name, country, domain, switchboard: phoneNumber(draw, 910, country, "landline", "any") };
}

function amount(draw: Draw, salt: number): string {
  const cents = draw.int(salt, 5_000_000);
  const whole = Math.floor(cents / 100);
  const fraction = String(cents % 100).padStart(2, "0");
  return draw.chance(salt + 1, 0.2) ? `${whole.toLocaleString("en-US")}.${fraction}` : `${whole}.${fraction}`;
}

function orderDate(draw: Draw, salt: number): string {
  const day = new Date(FIRST_ORDER_DAY + draw.int(salt, 3_650) * DAY_MS);
  const two = (value: number): string => String(value).padStart(2, "0");
  return `${two(day.getUTCDate())}/${two(day.getUTCMonth() + 1)}/${day.getUTCFullYear()}`;
}

/** Row i (from 1) of a source with `companies` companies; `edited` gives the edited variant's version of it. */
export function contactAt(row: number, companies: number, edited = false): BenchContact {
  const draw = new Draw(row);
  const company = companyAt(draw.int(1, companies));
  const { country } = company;
  const people = PEOPLE[country];
  const first = draw.pick(2, people.first);
  const last = draw.pick(3, people.last);
  const officeKind = draw.int(10, 100);
  const phone = officeKind < 40 ? company.switchboard : officeKind < 41 ? oddNumber(draw, 11, country) : phoneNumber(draw, 12, country, "landline", "any");
  let home: GeneratedNumber | null = null;
  let fax: GeneratedNumber | null = null;
  if (draw.chance(20, 0.5)) {
    if (draw.chance(21, 0.5)) fax = phoneNumber(draw, 22, country, "landline", "any");
    else if (draw.chance(23, 0.3)) {
      const abroad = COUNTRIES.filter((other) => other !== country);
      home = phoneNumber(draw, 24, draw.pick(25, abroad), "landline", country === "US" ? "plus" : "international");
    } else home = phoneNumber(draw, 26, country, "landline", "any");
  }
  // An edit is what a CRM user does most: a new mobile number, a new credit limit.
  const changed = edited && fateOf(row) === "edited";
  return {
    id: externalIdOf(row),
    first,
    last,
    company: company.name,
    country,
    email: `${asciiLabel(first)}.${asciiLabel(last)}${row}@${company.domain}`,
    phone,
    mobile: phoneNumber(draw, changed ? 40 : 30, country, "mobile", "any"),
    home,
    fax,
    credit: amount(draw, changed ? 45 : 35),
    lastOrder: orderDate(draw, 50),
    agent: draw.pick(55, SALES_AGENTS),
  };
}

/** The contact's fields in CSV_HEADER order. */
export function csvValues(contact: BenchContact): string[] {
  return [
    contact.id,
    contact.first,
    contact.last,
    contact.company,
    contact.country,
    contact.email,
    contact.phone.text,
    contact.mobile.text,
    contact.home?.text ?? "",
    contact.fax?.text ?? "",
    contact.credit,
    contact.lastOrder,
    contact.agent,
  ];
}
