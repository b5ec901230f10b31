// One vCard's text -> the fields of a source record: names, organisation, e-mails, numbers, groups, addresses.
import ICAL from "ical.js";
import { contentLines, decodeQuotedPrintable, lastLineNumber, valueOf, type ContentLine } from "./vcard-lines.js";
import { ablabelText, NOT_PREFERRED, prefRank, telType, telValue, typeValues, type VCardTel } from "./vcard-tel.js";

export type { VCardTel } from "./vcard-tel.js";

/** The components of N, multi-values joined with a space. */
export type VCardName = { family: string; given: string; additional: string; prefix: string; suffix: string };

export type VCardEmail = {
  value: string;
  /** The first TYPE that is not "internet" or "pref", lowercased ("work", "home"); "" if none. */
  type: string;
};

export type VCardAddress = {
  /** The first TYPE that says whose address it is ("work", "home"), lowercased; "" if none. */
  type: string;
  poBox: string;
  extended: string;
  street: string;
  locality: string;
  region: string;
  postalCode: string;
  country: string;
};

/** A card as a source record's fields. Texts are "" and lists [] when the card lacks them; photos are left out. */
export type VCardFields = {
  /** UID as written ("urn:uuid:..." kept); "" when absent. */
  uid: string;
  /** VERSION as written: "2.1", "3.0" or "4.0"; "" when absent. */
  version: string;
  fn: string;
  n: VCardName;
  /** n.given and n.additional; FN when N has neither a family nor a given name (unless FN is ORG: a company's card). */
  givenName: string;
  /** n.family; "" when givenName fell back to FN. */
  familyName: string;
  /** Every NICKNAME value, joined with ", ". */
  nickname: string;
  title: string;
  role: string;
  /** Every NOTE, joined with a newline; escaped newlines are newlines. */
  note: string;
  url: string;
  bday: string;
  /** ORG's first component (the company). */
  org: string;
  /** ORG's other components (departments), joined with ", ". */
  orgUnit: string;
  /** The preferred e-mail address, else the first. */
  email: string;
  /** Preferred first, otherwise in the card's order. */
  emails: VCardEmail[];
  /** Preferred first (PREF=1 before PREF=2 before none), otherwise in the card's order. */
  tel: VCardTel[];
  /** Every CATEGORIES value of every CATEGORIES line, trimmed. */
  categories: string[];
  /** Preferred first. */
  adr: VCardAddress[];
  /** The first address's country. */
  country: string;
};

export type VCardParse = { ok: true; fields: VCardFields } | { ok: false; line: number; message: string };
type Failure = Extract<VCardParse, { ok: false }>;

/** The shape paths of every field a vCard record has: a CardDAV source's columns, for checking a mapping. */
export const VCARD_COLUMNS: readonly string[] = [
  "adr[].country",
  "adr[].extended",
  "adr[].locality",
  "adr[].poBox",
  "adr[].postalCode",
  "adr[].region",
  "adr[].street",
  "adr[].type",
  "bday",
  "categories[]",
  "country",
  "email",
  "emails[].type",
  "emails[].value",
  "familyName",
  "fn",
  "givenName",
  "n.additional",
  "n.family",
  "n.given",
  "n.prefix",
  "n.suffix",
  "nickname",
  "note",
  "org",
  "orgUnit",
  "role",
  "tel[].label",
  "tel[].pref",
  "tel[].type",
  "tel[].types[]",
  "tel[].value",
  "title",
  "uid",
  "url",
  "version",
];

const VCARD4 = ICAL.design.getDesignSet("vcard");
const VCARD3 = ICAL.design.getDesignSet("vcard3");
/** The longest part of a line a message quotes. */
const EXCERPT = 60;

/** One property as ical.js reads it (jCal): lowercase name, parameters, value type, values. */
type Prop = { name: string; params: Record<string, unknown>; values: unknown[] };

/**
 * Reads one card. A card that cannot be read — a line the parser refuses, no BEGIN:VCARD or END:VCARD, two
 * cards in one text — gives the physical line where it breaks and what is there. A card without FN or N is
 * not broken: the mapping's skip rules decide about it.
 */
export function parseVCard(text: string): VCardParse {
  const framed = frame(contentLines(text), text);
  if (!framed.ok) return framed;
  // vCard 4 has its own value types (TEL is a URI); 2.1 reads like 3.0.
  const design = framed.version === "4.0" ? VCARD4 : VCARD3;
  const props = new Map<string, Prop[]>();
  for (const line of framed.body) {
    if (line.text === "") continue;
    let jcal: unknown[];
    try {
      jcal = ICAL.parse.property(line.text, design) as unknown[];
    } catch (err) {
      return fail(line, `cannot read ${excerpt(line.text)}: ${reasonOf(err)}`);
    }
    const prop = propOf(jcal);
    const list = props.get(prop.name);
    if (list) list.push(prop);
    else props.set(prop.name, [prop]);
  }
  return { ok: true, fields: fieldsOf(props, framed.version) };
}

/** The card's lines between BEGIN:VCARD and END:VCARD, and its VERSION; or where the frame is broken. */
function frame(lines: readonly ContentLine[], text: string): { ok: true; body: ContentLine[]; version: string } | Failure {
  const first = lines[0];
  if (!first) return { ok: false, line: 1, message: "no BEGIN:VCARD: the text is empty" };
  if (!isMarker(first, "BEGIN")) return fail(first, `expected BEGIN:VCARD, found ${excerpt(first.text)}`);
  let end = -1;
  for (let i = 1; i < lines.length && end < 0; i++) {
    const line = lines[i] as ContentLine;
    if (line.name === "BEGIN") {
      return fail(line, isMarker(line, "BEGIN") ? "BEGIN:VCARD inside a card: one card per text" : `unexpected ${excerpt(line.text)} inside a card`);
    }
    if (line.name === "END") {
      if (!isMarker(line, "END")) return fail(line, `unexpected ${excerpt(line.text)}: expected END:VCARD`);
      end = i;
    }
  }
  if (end < 0) return { ok: false, line: lastLineNumber(text), message: `no END:VCARD: the card that begins on line ${first.line} is cut short` };
  const after = lines[end + 1];
  if (after) return fail(after, isMarker(after, "BEGIN") ? "a second card after END:VCARD: one card per text" : `text after END:VCARD: ${excerpt(after.text)}`);
  const body = lines.slice(1, end);
  const version = body.find((line) => line.name === "VERSION");
  return { ok: true, body, version: version ? valueOf(version.text).trim() : "" };
}

function isMarker(line: ContentLine, name: "BEGIN" | "END"): boolean {
  return line.name === name && valueOf(line.text).trim().toUpperCase() === "VCARD";
}

function fail(line: ContentLine, message: string): Failure {
  return { ok: false, line: line.line, message };
}

/** A line quoted in a message: at most EXCERPT characters of it. */
function excerpt(text: string): string {
  return JSON.stringify(text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);
}

/** ical.js's messages repeat the whole line: what they mean, in a few words. */
const REASONS: readonly (readonly [RegExp, string])[] = [
  [/^Invalid parameters/i, "a parameter is not NAME=value"],
  [/^Missing parameter value/i, 'no ":" after the parameters'],
  [/^Empty parameter name/i, "a parameter without a name"],
  [/no matching double quote/i, "a double quote is not closed"],
  [/no token/i, 'no ":" between the name and the value'],
];

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  for (const [pattern, reason] of REASONS) if (pattern.test(message)) return reason;
  return message.length > EXCERPT ? `${message.slice(0, EXCERPT)}…` : message;
}

/** A jCal property; a quoted-printable value (vCard 2.1) decoded in its CHARSET. */
function propOf(jcal: unknown[]): Prop {
  const params = (jcal[1] ?? {}) as Record<string, unknown>;
  const values = jcal.slice(3);
  const encoding = params["encoding"];
  if (typeof encoding !== "string" || encoding.toLowerCase() !== "quoted-printable") return { name: String(jcal[0]), params, values };
  const charset = typeof params["charset"] === "string" ? params["charset"] : "";
  const decode = (value: unknown): unknown => (typeof value === "string" ? decodeQuotedPrintable(value, charset) : Array.isArray(value) ? value.map(decode) : value);
  return { name: String(jcal[0]), params, values: values.map(decode) };
}

/** A value as trimmed text; a list (the multi-values of one component) joined. ical.js leaves "\;" escaped in plain texts. */
function textOf(value: unknown, separator = " "): string {
  if (typeof value === "string") return value.replace(/\\;/g, ";").trim();
  if (Array.isArray(value)) return value.map((item) => textOf(item, separator)).filter((item) => item !== "").join(separator);
  return value === null || value === undefined ? "" : String(value).trim();
}

/**
 * A single text property's value. ical.js splits vCard 3's NOTE on unescaped commas, which exporters leave in
 * ("Rabatt 5%, 30 Tage"): its pieces are joined back as they were written.
 */
function wholeText(prop: Prop | undefined): string {
  if (!prop) return "";
  if (prop.values.length <= 1) return textOf(prop.values[0]);
  return textOf(prop.values.map((value) => (typeof value === "string" ? value : textOf(value))).join(","));
}

/** The components of a structured value (N, ORG, ADR): a value without ";" is its first component. */
function componentsOf(prop: Prop | undefined, separator = " "): string[] {
  const value = prop?.values[0];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map((part) => textOf(part, separator)) : [textOf(value)];
}

function fieldsOf(props: ReadonlyMap<string, Prop[]>, version: string): VCardFields {
  const all = (name: string): Prop[] => props.get(name) ?? [];
  const first = (name: string): string => wholeText(all(name)[0]);
  const [family = "", given = "", additional = "", prefix = "", suffix = ""] = componentsOf(all("n")[0]);
  const fn = first("fn");
  const [org = "", ...units] = componentsOf(all("org")[0]);
  const named = family !== "" || given !== "";
  // A company's card (Apple: N empty, FN the company's name) names no person: its FN is not a given name.
  const fnName = fn.toLowerCase() === org.toLowerCase() ? "" : fn;
  const emails = emailsOf(all("email"));
  const adr = addressesOf(all("adr"));
  return {
    uid: first("uid"),
    version,
    fn,
    n: { family, given, additional, prefix, suffix },
    givenName: named ? joinNonEmpty([given, additional], " ") : fnName,
    familyName: named ? family : "",
    nickname: joinNonEmpty(all("nickname").flatMap((prop) => prop.values.map((value) => textOf(value))), ", "),
    title: first("title"),
    role: first("role"),
    note: joinNonEmpty(all("note").map(wholeText), "\n"),
    url: first("url"),
    bday: first("bday"),
    org,
    orgUnit: joinNonEmpty(units, ", "),
    email: emails[0]?.value ?? "",
    emails,
    tel: telsOf(all("tel"), labelsOf(all("x-ablabel"))),
    categories: categoriesOf(all("categories")),
    adr,
    country: adr[0]?.country ?? "",
  };
}

function joinNonEmpty(parts: readonly string[], separator: string): string {
  return parts.filter((part) => part !== "").join(separator);
}

/** Sorts by preference, keeping the card's order among equals (Array.prototype.sort is stable). */
function byPreference<T>(items: { rank: number; item: T }[]): T[] {
  return items.sort((a, b) => a.rank - b.rank).map(({ item }) => item);
}

function emailsOf(props: readonly Prop[]): VCardEmail[] {
  const ranked: { rank: number; item: VCardEmail }[] = [];
  for (const prop of props) {
    const value = textOf(prop.values[0]);
    if (value === "") continue;
    const types = typeValues(prop.params);
    const type = types.find((t) => t !== "internet" && t !== "pref") ?? "";
    ranked.push({ rank: prefRank(prop.params, types), item: { value, type } });
  }
  return byPreference(ranked);
}

/** Apple's X-ABLabel of each item group ("item1"). */
function labelsOf(props: readonly Prop[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const prop of props) {
    const group = prop.params["group"];
    if (typeof group === "string" && !labels.has(group)) labels.set(group, ablabelText(textOf(prop.values[0])));
  }
  return labels;
}

function telsOf(props: readonly Prop[], labels: ReadonlyMap<string, string>): VCardTel[] {
  const ranked: { rank: number; item: VCardTel }[] = [];
  for (const prop of props) {
    const value = telValue(textOf(prop.values[0]));
    if (value === "") continue;
    const all = typeValues(prop.params);
    const rank = prefRank(prop.params, all);
    const types = all.filter((type) => type !== "pref");
    const group = prop.params["group"];
    const label = typeof group === "string" ? (labels.get(group) ?? "") : "";
    ranked.push({ rank, item: { value, type: telType(label, types), types, pref: rank < NOT_PREFERRED, label } });
  }
  return byPreference(ranked);
}

function categoriesOf(props: readonly Prop[]): string[] {
  const out: string[] = [];
  for (const prop of props) {
    for (const value of prop.values) {
      const category = textOf(value);
      if (category !== "" && !out.includes(category)) out.push(category);
    }
  }
  return out;
}

/** TYPE values that say how a letter travels, not whose address it is. */
const DELIVERY_TYPES: ReadonlySet<string> = new Set(["pref", "postal", "parcel", "dom", "intl"]);

function addressesOf(props: readonly Prop[]): VCardAddress[] {
  const ranked: { rank: number; item: VCardAddress }[] = [];
  for (const prop of props) {
    const parts = componentsOf(prop, ", ");
    if (parts.every((part) => part === "")) continue;
    const [poBox = "", extended = "", street = "", locality = "", region = "", postalCode = "", country = ""] = parts;
    const types = typeValues(prop.params);
    const type = types.find((t) => !DELIVERY_TYPES.has(t)) ?? "";
    ranked.push({ rank: prefRank(prop.params, types), item: { type, poBox, extended, street, locality, region, postalCode, country } });
  }
  return byPreference(ranked);
}
