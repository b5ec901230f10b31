// Made-up Italian and German CRM contacts for the HubSpot and Pipedrive fakes: names, companies, numbers as people type them
// (with the E.164 form the PBX must get), a few without numbers or company. Deterministic: person i is always the same.

/** One generated person, before a fake API shapes it into its own JSON. */
export interface Person {
  /** 1-based, stable: the fakes derive their record ids from it. */
  index: number;
  country: "IT" | "DE";
  first: string;
  last: string;
  email: string;
  /** How the country is typed in the CRM ("Italia", "Germany"...), or null when left empty. */
  countryText: string | null;
  city: string | null;
  jobTitle: string | null;
  /** The number as typed, and as the PBX must get it; null when the person has none. */
  office: Phone | null;
  mobile: Phone | null;
  /** Index into the company list, or null for a person without one. */
  company: number | null;
  /** Index into the owner list, or null. */
  owner: number | null;
}

export interface Phone {
  typed: string;
  e164: string;
}

const IT_FIRST = ["Mario", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Marco", "Sara", "Giovanni", "Elena", "Davide", "Martina", "Paolo", "Valentina", "Stefano", "Anna"];
const IT_LAST = ["Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "D'Angelo"];
const DE_FIRST = ["Lukas", "Anna", "Jonas", "Lea", "Maximilian", "Sophie", "Felix", "Marie", "Jürgen", "Katrin"];
const DE_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"];
const IT_CITIES = ["Milano", "Roma", "Torino", "Macerata", "Bologna", "Napoli"];
const DE_CITIES = ["Berlin", "München", "Hamburg", "Köln"];
const JOBS = ["Responsabile acquisti", "Direttore commerciale", "Einkaufsleiter", "Geschäftsführer", "Office manager"];

/** Company names: Italian and German firms as a CRM holds them. */
export const COMPANY_NAMES = [
  "Rossi & Figli S.r.l.",
  "Bianchi Impianti S.p.A.",
  "Trattoria Da Gino",
  "Colombo Logistica S.r.l.",
  "Ferramenta Ricci",
  "Marino Costruzioni S.r.l.",
  "Müller Maschinenbau GmbH",
  "Schmidt & Söhne KG",
  "Weber Elektro GmbH",
  "Gallo Arredamenti",
  "Conti Trasporti S.n.c.",
  "Becker Software AG",
] as const;

/** The sales people contacts are assigned to. */
export const OWNER_NAMES = [
  { first: "Laura", last: "Fontana", email: "laura.fontana@vendite.example" },
  { first: "Matteo", last: "Galli", email: "matteo.galli@vendite.example" },
  { first: "Petra", last: "Krause", email: "petra.krause@vertrieb.example" },
] as const;

/** Every 50th person has no number at all: the presets skip such a record ("no phone number"). */
export function hasNoNumber(index: number): boolean {
  return index % 50 === 0;
}

/** Person i of the generated CRM. */
export function person(index: number): Person {
  const german = index % 5 === 0;
  const country = german ? "DE" : "IT";
  const first = pick(german ? DE_FIRST : IT_FIRST, index);
  const last = pick(german ? DE_LAST : IT_LAST, Math.floor(index / 3));
  const company = index % 7 === 0 ? null : index % COMPANY_NAMES.length;
  const mail = `${ascii(first)}.${ascii(last)}${index}@${company === null ? "mail" : ascii(COMPANY_NAMES[company] ?? "")}.example`;
  return {
    index,
    country,
    first,
    last,
    email: mail,
    countryText: german ? pick(["Germany", "Deutschland", "DE"], index) : pick(["Italy", "Italia", null], index),
    city: index % 4 === 0 ? null : pick(german ? DE_CITIES : IT_CITIES, index),
    jobTitle: index % 3 === 0 ? pick(JOBS, index) : null,
    office: hasNoNumber(index) || index % 11 === 0 ? null : officePhone(index, german),
    // Some have no office number, some no mobile, never both but every 50th.
    mobile: hasNoNumber(index) || (index % 13 === 0 && index % 11 !== 0) ? null : mobilePhone(index, german),
    company,
    owner: index % 6 === 0 ? null : index % OWNER_NAMES.length,
  };
}

/** Persons 1..count. */
export function people(count: number): Person[] {
  return Array.from({ length: count }, (_, i) => person(i + 1));
}

function officePhone(index: number, german: boolean): Phone {
  const subscriber = String(1_000_000 + index);
  if (german) {
    const area = pick(["30", "89", "40"], index);
    const typed = index % 2 === 0 ? `0${area} ${subscriber}` : `+49 (0)${area} ${subscriber.slice(0, 3)} ${subscriber.slice(3)}`;
    return { typed, e164: `+49${area}${subscriber}` };
  }
  const area = pick(["02", "0733", "06", "011"], index);
  const styles = [`${area} ${subscriber}`, `${area}/${subscriber}`, `+39 ${area} ${subscriber}`, `0039 ${area}.${subscriber}`];
  return { typed: pick(styles, index), e164: `+39${area}${subscriber}` };
}

function mobilePhone(index: number, german: boolean): Phone {
  const subscriber = String(1_000_000 + index);
  if (german) return { typed: `0171 ${subscriber}`, e164: `+49171${subscriber}` };
  const prefix = pick(["347", "333", "340"], index);
  return { typed: index % 2 === 0 ? `${prefix} ${subscriber}` : `+39 ${prefix} ${subscriber.slice(0, 3)} ${subscriber.slice(3)}`, e164: `+39${prefix}${subscriber}` };
}

function pick<T>(list: readonly T[], index: number): T {
  return list[index % list.length] as T;
}

/** "D'Angelo" -> "dangelo", "Müller" -> "muller": an address part. */
function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}
