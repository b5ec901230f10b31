// A report row's detail in words: which fields an update changed, from what to what.
import type { ResultDetail, SentContact } from "./types.js";

/** The fields of a contact as sent, in the order the PBX guide lists them. */
export const SENT_FIELDS = [
  "name",
  "surname",
  "company",
  "numoffice",
  "numhome",
  "nummobile",
  "numsms",
  "nummobil2",
  "numfax",
  "numother",
  "email",
  "ext_info",
] as const satisfies ReadonlyArray<keyof SentContact>;

export type SentField = (typeof SENT_FIELDS)[number];

/** A field's value as a person reads it: "(empty)" for nothing, ext_info blocks as "caption: value" lines. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "(empty)";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    return value.map((block) => (block && typeof block === "object" ? `${String((block as { caption?: unknown }).caption)}: ${String((block as { value?: unknown }).value)}` : String(block))).join(" | ");
  }
  return JSON.stringify(value);
}

/** "numoffice: +39021 → +39022", one per changed field of an update's detail; none for any other row. */
export function describeChanges(detail: ResultDetail | null | undefined): string[] {
  const before = detail?.before;
  if (!before) return [];
  const after = detail.sent ?? {};
  return SENT_FIELDS.filter((field) => field in before).map((field) => `${field}: ${shownValue(before[field])} → ${shownValue(after[field])}`);
}

/** A JSON object stored as text (a detail, a contact as sent); a text that does not parse (edited by hand) reads as none. */
export function parseStoredObject<T extends object>(value: unknown): T | null {
  if (value == null || value === "") return null;
  try {
    const parsed = JSON.parse(String(value)) as unknown;
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as T) : null;
  } catch {
    return null;
  }
}
