// A vCard's TEL properties as records: number text, TYPE values, preference, Apple's label, one type to route on.

/** One TEL of a card. */
export type VCardTel = {
  /** The number as written; a vCard 4 `tel:` URI without its scheme ("tel:+49-30-1234;ext=5" -> "+49-30-1234 ext. 5"). */
  value: string;
  /** One lowercase word to route on: cell, work, home, main, fax, work fax, home fax, pager, other, or a custom label. */
  type: string;
  /** The TYPE parameter values, lowercased, without "pref". */
  types: string[];
  /** Marked preferred (TYPE=pref, or any PREF=n). */
  pref: boolean;
  /** Apple's X-ABLabel of the same group ("Mobile" for `_$!<Mobile>!$_`, "Warehouse" for a custom one); "" if none. */
  label: string;
};

/** The TYPE parameter's values: lowercased, split on commas (`TYPE=WORK,VOICE`, `TYPE="work,voice"`, repeated TYPE). */
export function typeValues(params: Readonly<Record<string, unknown>>): string[] {
  const raw = params["type"];
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const out: string[] = [];
  for (const item of list) {
    for (const piece of String(item).split(",")) {
      const type = piece.trim().toLowerCase();
      if (type !== "" && !out.includes(type)) out.push(type);
    }
  }
  return out;
}

/** Lower is more preferred: PREF=n is n (1..100), TYPE=pref is 1; a value not marked comes after every marked one. */
export function prefRank(params: Readonly<Record<string, unknown>>, types: readonly string[]): number {
  let rank = types.includes("pref") ? 1 : NOT_PREFERRED;
  const pref = params["pref"];
  if (pref !== undefined) {
    const n = Number(Array.isArray(pref) ? pref[0] : pref);
    rank = Math.min(rank, Number.isFinite(n) && n >= 1 ? n : 1);
  }
  return rank;
}

export const NOT_PREFERRED = 1000;

/** Apple's built-in labels are written `_$!<Mobile>!$_`; a label the user typed is written as it is. */
export function ablabelText(raw: string): string {
  const match = /^_\$!<(.*)>!\$_$/.exec(raw.trim());
  return (match ? (match[1] as string) : raw).trim();
}

/** A number's text: the scheme of a `tel:` URI dropped, its extension kept in a form phone parsers read. */
export function telValue(raw: string): string {
  const text = raw.trim();
  if (!/^tel:/i.test(text)) return text;
  const [number = "", ...params] = text.slice(4).split(";");
  const ext = params.find((param) => /^ext=/i.test(param));
  return ext === undefined ? number.trim() : `${number.trim()} ext. ${ext.slice(4).trim()}`;
}

/** Labels (Apple's built-in ones, and words people type) that mean one of the types routed on. */
// A Map, not an object: a label such as "constructor" must not find Object's.
const LABEL_TYPES: ReadonlyMap<string, string> = new Map([
  ["cell", "cell"],
  ["mobile", "cell"],
  ["iphone", "cell"],
  ["mobile phone", "cell"],
  ["cell phone", "cell"],
  ["main", "main"],
  ["main number", "main"],
  ["work", "work"],
  ["home", "home"],
  ["other", "other"],
  ["pager", "pager"],
  ["fax", "fax"],
  ["work fax", "work fax"],
  ["workfax", "work fax"],
  ["home fax", "home fax"],
  ["homefax", "home fax"],
  ["other fax", "fax"],
  ["otherfax", "fax"],
  ["voice", "other"],
]);

/**
 * The one type a mapping routes a number on. A label wins over the TYPE values (Apple writes the user's choice
 * there); a label that names no known type is kept, lowercased, for the mapping to route or send to `otherwise`.
 */
export function telType(label: string, types: readonly string[]): string {
  const folded = label.trim().toLowerCase();
  if (folded !== "") return LABEL_TYPES.get(folded.replace(/\s+/g, " ")) ?? folded;
  const has = (type: string): boolean => types.includes(type);
  if (has("cell") || has("mobile") || has("iphone")) return "cell";
  if (has("fax")) return has("work") ? "work fax" : has("home") ? "home fax" : "fax";
  if (has("pager")) return "pager";
  if (has("main") || has("main-number")) return "main";
  if (has("work")) return "work";
  if (has("home")) return "home";
  return "other";
}
