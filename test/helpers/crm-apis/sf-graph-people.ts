// Made-up but realistic CRM people for the fake Salesforce and Graph APIs: names, companies, countries and phone
// numbers typed the way people type them, each with the E.164 form the PBX must end up with.

export interface TypedPhone {
  /** As typed in the CRM: "02 8473 1920", "(415) 736-2284", "+49 (0)30 2258 4471". */
  typed: string;
  /** What the mapping must send: "+390284731920". */
  e164: string;
}

export interface Country {
  /** As a CRM's address holds it: "Italy", "Germany". */
  name: string;
  code: "IT" | "DE" | "US" | "GB";
}

export interface Person {
  /** 1, 2, 3...: stable, so a test can name the person it edits. */
  index: number;
  firstName: string | null;
  lastName: string;
  company: string | null;
  title: string | null;
  department: string | null;
  email: string | null;
  country: Country;
  office: TypedPhone | null;
  mobile: TypedPhone | null;
  home: TypedPhone | null;
  /** The salesperson who owns the contact. */
  owner: string;
}

const FIRST = ["Mario", "Giulia", "Nicolò", "Francesca", "Lukas", "Jürgen", "Emily", "Olivia", "Marco", "Sophie", "James", "Chiara", "Matthias", "Hannah", "Luca", "Zoë"];
const LAST = ["Rossi", "Bianchi", "Esposito", "Müller", "Schmidt", "Smith", "Johnson", "Romano", "Colombo", "Weber", "O'Brien", "De Luca", "Fischer", "Taylor", "Ricci", "Brown", "Marino", "Wagner", "Gallo", "Wilson"];
const COMPANIES = ["Rossi Impianti S.r.l.", "Bauer & Söhne GmbH", "Northwind Traders Ltd", "Officine Meccaniche Adriatiche S.p.A.", "Contoso Pharma Inc.", "Tipografia Colombo", "Weber Logistik AG", "Fabrikam Foods LLC", "Studio Legale Ricci & Associati", "Harbour Lane Consulting"];
const TITLES = ["Purchasing manager", "CEO", "Accounts payable", "Sales director", "Head of IT", "Office manager", null, "Technician"];
const DEPARTMENTS = ["Purchasing", null, "Administration", "Sales", "IT", null, null, "Service"];
const OWNERS = ["Laura Fontana", "Davide Conti", "Anna Keller"];
const COUNTRIES: Country[] = [
  { name: "Italy", code: "IT" },
  { name: "Italy", code: "IT" },
  { name: "Germany", code: "DE" },
  { name: "Italy", code: "IT" },
  { name: "United States", code: "US" },
  { name: "United Kingdom", code: "GB" },
];

/** `count` people numbered from `from`: a few without any phone, a few without a company, some without a first name. */
export function people(count: number, from = 1): Person[] {
  return Array.from({ length: count }, (_, i) => person(from + i));
}

/** Whether person `index` has no phone at all (the mappings skip such contacts). */
export function hasNoPhone(index: number): boolean {
  const p = person(index);
  return p.office === null && p.mobile === null && p.home === null;
}

export function person(index: number): Person {
  const firstName = index % 13 === 4 ? null : pick(FIRST, index * 7);
  const lastName = pick(LAST, index * 11 + Math.floor(index / 20));
  const company = index % 11 === 3 ? null : pick(COMPANIES, index * 3);
  const country = pick(COUNTRIES, index);
  // Every 17th has no number at all; a few more lack one by the rules below.
  const noPhone = index % 17 === 5;
  const domain = company === null ? "mail.example" : `${company.toLowerCase().replace(/[^a-z]+/g, "")}.example`;
  return {
    index,
    firstName,
    lastName,
    company,
    title: pick(TITLES, index * 5),
    department: pick(DEPARTMENTS, index * 5),
    email: index % 9 === 2 ? null : `${ascii(firstName ?? "info")}.${ascii(lastName)}${index}@${domain}`,
    country,
    office: noPhone || index % 7 === 6 ? null : phone(country.code, "office", index),
    mobile: noPhone || index % 3 === 1 ? null : phone(country.code, "mobile", index),
    home: noPhone || index % 5 !== 0 ? null : phone(country.code, "home", index),
    owner: pick(OWNERS, index),
  };
}

/** A valid number of the country, typed in one of the ways people type it, with its E.164 form. */
export function phone(code: Country["code"], kind: "office" | "mobile" | "home", index: number): TypedPhone {
  const seed = index * 3 + (kind === "office" ? 0 : kind === "mobile" ? 1 : 2);
  const d = (length: number, salt: number) => digits(seed * 31 + salt, length);
  const international = index % 4 === 0;
  switch (code) {
    case "IT": {
      // Milan and Rome numbers are 02/06 + 8 digits; mobiles 3xx + 7 digits. The 0 stays in E.164.
      const area = kind === "office" ? "02" : kind === "home" ? "06" : `3${pick(["47", "38", "20", "33", "49"], index)}`;
      const rest = kind === "mobile" ? `${d(3, 1).replace(/^0/, "5")} ${d(4, 2)}` : `${d(4, 1).replace(/^0/, "8")} ${d(4, 2)}`;
      return { typed: `${international ? "+39 " : ""}${area} ${rest}`, e164: `+39${area}${rest.replace(/ /g, "")}` };
    }
    case "DE": {
      // Berlin 030 / Munich 089 + 8 digits, mobiles 0151 + 8 digits; the trunk 0 goes in E.164.
      const area = kind === "office" ? "30" : kind === "home" ? "89" : "151";
      const rest = `${d(4, 1).replace(/^0/, "2")} ${d(4, 2)}`;
      return { typed: international ? `+49 (0)${area} ${rest}` : `0${area} ${rest}`, e164: `+49${area}${rest.replace(/ /g, "")}` };
    }
    case "US": {
      const area = kind === "office" ? "415" : kind === "home" ? "510" : "628";
      const exchange = `${2 + (seed % 8)}${d(2, 1)}`;
      const line = d(4, 2);
      return { typed: international ? `+1 ${area}-${exchange}-${line}` : `(${area}) ${exchange}-${line}`, e164: `+1${area}${exchange}${line}` };
    }
    case "GB": {
      // London 020 7xxx xxxx, Manchester 0161 xxx xxxx, mobiles 07400 xxxxxx.
      const national = kind === "office" ? `20 7${d(3, 1)} ${d(4, 2)}` : kind === "home" ? `161 ${d(3, 1).replace(/^[01]/, "4")} ${d(4, 2)}` : `7400 ${d(6, 1)}`;
      return { typed: international ? `+44 ${national}` : `0${national}`, e164: `+44${national.replace(/ /g, "")}` };
    }
  }
}

function pick<T>(list: readonly T[], n: number): T {
  return list[Math.abs(n) % list.length] as T;
}

function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

/** `length` pseudo-random digits, the same for the same seed. */
function digits(seed: number, length: number): string {
  let state = (seed * 2_654_435_761) >>> 0;
  let out = "";
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    out += String((state >>> 16) % 10);
  }
  return out;
}
