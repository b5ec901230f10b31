// What the CSV tests compare: a connector's items without the record fingerprint (tested on its own in csv-fingerprint.test.ts).
import type { SourceItem } from "../../connectors/types.js";

/** The item as the tests written before fingerprints expect it: `fingerprint` left out of records. */
export function withoutFingerprint(item: SourceItem): SourceItem {
  if (item.kind !== "record" || item.fingerprint === undefined) return item;
  const { fingerprint: _fingerprint, ...rest } = item;
  return rest;
}
