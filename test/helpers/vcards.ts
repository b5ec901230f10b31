// Deterministic vCards as real address books hold them: 3.0 and 4.0 mixed, Apple's item groups and labels, folded
// lines, non-ASCII names, Italian and German numbers, categories and photos; and a malformed one.

/** One generated card, with what it holds for assertions. */
export interface GeneratedCard {
  /** A file name for it in an address book (a few have spaces and non-ASCII letters, as hrefs sometimes do). */
  fileName: string;
  /** The vCard, CRLF line ends, folded at 75 octets. */
  text: string;
  uid: string;
  version: "3.0" | "4.0";
  /** FN, and N's given and family name. */
  fn: string;
  givenName: string;
  familyName: string;
  org: string | undefined;
  email: string | undefined;
  /** The numbers as written in the card, with their TYPE parameters (lower case) and Apple label if any. */
  phones: { number: string; types: string[]; label?: string }[];
  categories: string[];
  hasPhoto: boolean;
}

const GIVEN = ["Zoë", "Łukasz", "José", "Anna", "Jürgen", "Chiara", "Søren", "Maëlle", "Giuseppe", "Dörte", "Ñico", "Ingrid"];
const FAMILY = ["Müller", "Żółć", "Núñez", "Rossi", "Groß", "Bianchi", "Øster", "D'Angelo", "Schäfer", "Esposito", "Weiß", "Caruso"];
const COMPANIES = ["Acme S.p.A.", "Müller & Söhne GmbH", "Caffè Nero, Milano", "Bäckerei Groß; Filiale 2", undefined];
const ITALIAN = ["+39 02 1234 5678", "+39 333 123 4567", "06 6988 1234", "+39 347 765 4321", "0039 055 234 5678"];
const GERMAN = ["+49 30 1234567", "+49 171 2345678", "030 98765432", "+49 (0)89 123 456 78", "0049 40 55566677"];

/** A 32-bit PRNG (mulberry32): the same seed gives the same cards on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Escapes a text value (RFC 6350 §3.4): backslash, comma, semicolon, newline. */
function escapeText(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/,/g, "\\,").replace(/;/g, "\\;").replace(/\r?\n/g, "\\n");
}

/**
 * Folds a content line at 75 octets as clients do: CRLF and one space, never inside a UTF-8 character.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, "utf8");
    const limit = parts.length === 0 ? 75 : 74; // a continuation line's leading space counts
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** A small JPEG-looking blob (SOI and JFIF header, then bytes), base64: long enough to need folding. */
function photo(next: () => number): string {
  const bytes = Buffer.alloc(180);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]).copy(bytes);
  for (let i = 11; i < bytes.length - 2; i += 1) bytes[i] = Math.floor(next() * 256);
  bytes[bytes.length - 2] = 0xff;
  bytes[bytes.length - 1] = 0xd9;
  return bytes.toString("base64");
}

/** A name as an e-mail local part: "Łukasz" → "lukasz", "Søren" → "soren". */
function ascii(name: string): string {
  const special: Record<string, string> = { ł: "l", Ł: "L", ø: "o", Ø: "O", ß: "ss" };
  return name
    .replace(/[łŁøØß]/g, (char) => special[char] ?? char)
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

function pick<T>(list: readonly T[], next: () => number): T {
  return list[Math.floor(next() * list.length)] as T;
}

/** The phones of card `index`: types vary card by card, every third card uses Apple's item1.TEL with a label. */
function phonesFor(index: number, next: () => number): GeneratedCard["phones"] {
  const phones: GeneratedCard["phones"] = [{ number: pick(index % 2 === 0 ? ITALIAN : GERMAN, next), types: ["work", "voice"] }];
  if (index % 3 === 0) phones.push({ number: pick(ITALIAN, next), types: ["cell"], label: "_$!<Mobile>!$_" });
  else phones.push({ number: pick(GERMAN, next), types: ["cell"] });
  if (index % 4 === 1) phones.push({ number: pick(GERMAN, next), types: ["home"] });
  if (index % 5 === 2) phones.push({ number: pick(ITALIAN, next), types: ["fax", "work"] });
  if (index % 6 === 3) phones.push({ number: pick(ITALIAN, next), types: ["pref"] });
  return phones;
}

/** TEL's parameters: 3.0 writes TYPE=WORK,VOICE or TYPE=FAX;TYPE=WORK; 4.0 quotes a list and says pref with PREF=1. */
function telParams(types: readonly string[], version: "3.0" | "4.0"): string {
  if (version === "4.0") {
    const rest = types.filter((type) => type !== "pref");
    const list = rest.length === 0 ? "voice" : rest.join(",");
    return `;TYPE=${rest.length > 1 ? `"${list}"` : list}${types.includes("pref") ? ";PREF=1" : ""}`;
  }
  if (types[0] === "fax") return types.map((type) => `;TYPE=${type.toUpperCase()}`).join("");
  return `;TYPE=${types.map((type) => type.toUpperCase()).join(",")}`;
}

function telLines(phone: GeneratedCard["phones"][number], version: "3.0" | "4.0", group: string | undefined): string[] {
  const lines = [`${group === undefined ? "" : `${group}.`}TEL${telParams(phone.types, version)}:${phone.number}`];
  if (group !== undefined && phone.label !== undefined) lines.push(`${group}.X-ABLabel:${phone.label}`);
  return lines;
}

/** `count` cards, the same for the same seed. */
export function generateCards(count: number, seed = 1): GeneratedCard[] {
  const next = random(seed);
  const cards: GeneratedCard[] = [];
  for (let index = 0; index < count; index += 1) {
    const version = index % 3 === 2 ? "4.0" : "3.0";
    const givenName = GIVEN[index % GIVEN.length] as string;
    // The first dozen pair names as GIVEN and FAMILY list them (Zoë Müller, Łukasz Żółć, José Núñez...), later ones mix.
    const familyName = FAMILY[(index + Math.floor(index / FAMILY.length) * 5) % FAMILY.length] as string;
    const hex = (digits: number) => Math.floor(next() * 16 ** digits).toString(16).padStart(digits, "0");
    const uid = `${seed.toString(16).padStart(4, "0")}${index.toString(16).padStart(4, "0")}-5e1f-4c2a-9b1d-${hex(6)}${hex(6)}`;
    const fn = `${givenName} ${familyName}`;
    const org = index % 4 === 3 ? undefined : COMPANIES[index % COMPANIES.length];
    const email = index % 5 === 4 ? undefined : `${ascii(givenName)}.${index}@example.com`;
    const categories = index % 3 === 0 ? ["Customers"] : index % 3 === 1 ? ["Suppliers", "Milano"] : [];
    const phones = phonesFor(index, next);
    const hasPhoto = index % 10 === 7;
    const lines = ["BEGIN:VCARD", `VERSION:${version}`];
    if (version === "3.0") lines.push("PRODID:-//Apple Inc.//iPhone OS 17.4//EN");
    lines.push(`UID:${uid}`, `N:${escapeText(familyName)};${escapeText(givenName)};;;`, `FN:${escapeText(fn)}`);
    if (org !== undefined) lines.push(`ORG:${org.split("; ").map(escapeText).join(";")}`);
    if (email !== undefined) lines.push(version === "3.0" ? `EMAIL;TYPE=INTERNET;TYPE=WORK:${email}` : `EMAIL;TYPE=work:${email}`);
    let group = 0;
    for (const phone of phones) {
      const grouped = phone.label !== undefined ? `item${++group}` : undefined;
      lines.push(...telLines(phone, version, grouped));
    }
    if (categories.length > 0) lines.push(`CATEGORIES:${categories.map(escapeText).join(",")}`);
    lines.push(`NOTE:${escapeText(`Cliente dal ${2010 + (index % 14)}; referente: ${fn}, ufficio acquisti.\nRichiamare in mattinata — grazie!`)}`);
    if (hasPhoto) lines.push(version === "3.0" ? `PHOTO;ENCODING=b;TYPE=JPEG:${photo(next)}` : `PHOTO:data:image/jpeg;base64,${photo(next)}`);
    lines.push(`REV:${version === "3.0" ? "2024-03-0" + ((index % 9) + 1) + "T10:15:00Z" : "20240301T101500Z"}`, "END:VCARD");
    const fileName = index % 7 === 5 ? `${fn} ${index}.vcf` : `${uid}.vcf`;
    cards.push({ fileName, text: lines.map(foldLine).join("\r\n") + "\r\n", uid, version, fn, givenName, familyName, org, email, phones, categories, hasPhoto });
  }
  return cards;
}

/** A card a parser must refuse or skip: a TEL line without its colon in the middle of an otherwise good card. */
export function malformedCard(uid = "malformed-0001"): { fileName: string; text: string; uid: string } {
  const lines = ["BEGIN:VCARD", "VERSION:3.0", `UID:${uid}`, "N:Rotto;Mario;;;", "FN:Mario Rotto", "TEL;TYPE=CELL", "TEL;TYPE=WORK:+39 02 9876 5432", "END:VCARD"];
  return { fileName: `${uid}.vcf`, text: lines.join("\r\n") + "\r\n", uid };
}
