// Turns a source value (CSV text, SQL number/Date/null, REST JSON) into the text the mapping works on.

export type Fields = Readonly<Record<string, unknown>>;

/**
 * The value as trimmed text: null and undefined are empty, numbers use String(), a Date is its calendar
 * day (YYYY-MM-DD) when it falls on local midnight — what SQL DATE columns give — and its ISO instant
 * otherwise. Spaces around values never carry meaning in an export, so they are always dropped.
 */
export function toText(value: unknown): string {
  if (typeof value === "string") {
    // Most values need no trimming; checking the ends first spares the allocation.
    const last = value.length - 1;
    if (last < 0) return value;
    return value.charCodeAt(0) <= 32 || value.charCodeAt(last) <= 32 || value.charCodeAt(last) === 0xa0 || value.charCodeAt(0) === 0xa0
      ? value.trim()
      : value;
  }
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return dateText(value);
  if (Buffer.isBuffer(value)) return value.toString("utf8").trim();
  if (Array.isArray(value)) return listText(value, 1);
  return jsonText(value);
}

/** Lists nest in JSON from an API; past this depth the rest is shown as JSON (or not at all), never recursed into. */
const MAX_LIST_DEPTH = 32;

function listText(list: readonly unknown[], depth: number): string {
  const parts = list.map((item) => (!Array.isArray(item) ? toText(item) : depth < MAX_LIST_DEPTH ? listText(item, depth + 1) : jsonText(item)));
  return parts.filter((part) => part !== "").join(", ");
}

/** An object's JSON; one nested past the stack (10,000 levels, from a hostile API) reads as empty rather than throw. */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return "";
  if (date.getHours() === 0 && date.getMinutes() === 0 && date.getSeconds() === 0 && date.getMilliseconds() === 0) {
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }
  return date.toISOString();
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
