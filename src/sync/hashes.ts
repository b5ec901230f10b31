// The hashes the contact state compares: a source record with its mapping, and a contact as sent to the PBX.
import crypto from "node:crypto";
import type { CompiledMapping } from "../mapping/index.js";
import type { SourceRecord } from "../../connectors/types.js";
import { jsonForHash } from "../mapping/nesting.js";
import { hash64, hex64 } from "./fingerprint.js";

/** The PBX's identity in the state: a hash of its printable endpoint (never holding the token). */
export function pbxKeyOf(pbxLabel: string): string {
  return sha1Hex(pbxLabel);
}

type OneShotHash = (algorithm: string, data: string, encoding: "hex") => string;
/** crypto.hash (Node 20.12+) hashes a string without a Hash object: a third of the cost on short inputs. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

export function sha1Hex(text: string): string {
  return oneShot ? oneShot("sha1", text, "hex") : crypto.createHash("sha1").update(text).digest("hex");
}

/** The mapping's part of every source fingerprint of a run: another mapping makes every record look changed. */
export function sourceSeedOf(mapping: CompiledMapping): bigint {
  return hash64(`source\u0000${mapping.hash}`);
}

/**
 * The raw record with the mapping (`seed`): equal means the record would map to the same contact, so mapping and
 * number normalization can be skipped. A connector's own fingerprint of the record as read (a CSV row's text under
 * its header) is used as it stands; otherwise the fields' JSON is hashed, in the source's column order. A record
 * nested too deep for JSON.stringify is hashed all the same (the mapping then refuses it): one such record never
 * stops a run.
 */
export function sourceFingerprintOf(seed: bigint, record: Pick<SourceRecord, "fields" | "fingerprint">): bigint {
  return record.fingerprint !== undefined ? record.fingerprint ^ seed : hash64(jsonForHash(record.fields), seed);
}

/** The contact's JSON as it goes to the PBX (keys in a fixed order): equal means nothing to push. */
export function contactHashOf(json: string): string {
  return hex64(hash64(json));
}

/** Whether a stored contact hash is this contact's; one written by an older version is a SHA-1 of the same JSON. */
export function contactHashMatches(stored: string | undefined, json: string, fresh: string): boolean {
  if (stored === undefined) return false;
  return stored.length === SHA1_HEX_LENGTH ? stored === sha1Hex(json) : stored === fresh;
}

const SHA1_HEX_LENGTH = 40;
