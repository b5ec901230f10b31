// What a contact looked like on its way to the PBX, and what changed against what the PBX last confirmed.
import type { PbxContact } from "../pbx/contact.js";
import { SENT_FIELDS, type SentField } from "../store/detail.js";
import type { ResultDetail, SentContact } from "../store/index.js";


/** The contact without its two id fields (the report row and the state hold those), empty fields left out. */
export function sentOf(contact: PbxContact): SentContact {
  const sent: Record<string, unknown> = {};
  for (const field of SENT_FIELDS) {
    const value = contact[field];
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    sent[field] = value;
  }
  return sent as SentContact;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields that differ between two versions of a contact, each with its value in `previous` (null: empty). */
export function changedFields(previous: SentContact, next: SentContact): Partial<Record<SentField, unknown>> {
  const before: Partial<Record<SentField, unknown>> = {};
  for (const field of SENT_FIELDS) {
    if (!same(previous[field], next[field])) before[field] = previous[field] ?? null;
  }
  return before;
}

/** A pushed contact's report detail: what was sent, and for an update with known history, what it replaced. */
export function pushDetail(contact: PbxContact, previous: SentContact | null | undefined): ResultDetail {
  const sent = sentOf(contact);
  return previous ? { sent, before: changedFields(previous, sent) } : { sent };
}
