// The hashes the contact state compares: a source record with its mapping, and a contact as sent to the PBX.
import { createHash } from "node:crypto";
import type { CompiledMapping } from "../mapping/index.js";

/** The PBX's identity in the state: a hash of its printable endpoint (never holding the token). */
export function pbxKeyOf(pbxLabel: string): string {
  return createHash("sha1").update(pbxLabel).digest("hex");
}

/**
 * The raw record and the mapping's own hash: equal means the record would map to the same contact, so
 * mapping and number normalization can be skipped. Fields keep the source's column order.
 */
export function sourceHashOf(mapping: CompiledMapping, fields: Readonly<Record<string, unknown>>): string {
  return createHash("sha1").update(mapping.hash).update("\u0000").update(JSON.stringify(fields)).digest("hex");
}

/** The contact's JSON as it goes to the PBX (keys in a fixed order): equal means nothing to push. */
export function contactHashOf(json: string): string {
  return createHash("sha1").update(json).digest("hex");
}
