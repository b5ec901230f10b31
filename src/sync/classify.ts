// Sorts source records into insert / update / unchanged / skip / invalid / duplicate against the stored state.
import type { SourceRecord } from "../../connectors/types.js";
import type { CompiledMapping } from "../mapping/index.js";
import type { ContactResultInput, RunCounts } from "../store/index.js";
import type { ContactState } from "../store/index.js";
import { displayNameOf, type PendingContact } from "./batcher.js";
import { hex64, idFingerprint } from "./fingerprint.js";
import { contactHashMatches, contactHashOf, sourceFingerprintOf } from "./hashes.js";
import type { SeenIds } from "./seen-ids.js";
import type { StateTable } from "./state-table.js";

const NO_STATES: ReadonlyMap<string, ContactState> = new Map();

export type Classified =
  /** To push: new to the state (insert) or changed since the PBX last confirmed it (update). */
  | { kind: "push"; action: "insert" | "update"; pending: PendingContact }
  /** Nothing to push; `refresh` when only the source hash moved (the record changed, the contact did not). */
  | { kind: "unchanged"; externalId: string; refresh?: { externalId: string; sourceHash: string } }
  /** Skipped by a rule, invalid, or a duplicate id: a report row, nothing pushed. */
  | { kind: "row"; row: ContactResultInput };

export interface ClassifyContext {
  mapping: CompiledMapping;
  /** The mapping's part of every source fingerprint (sourceSeedOf). */
  seed: bigint;
  /** Push every contact, whatever the state says (`--full`). */
  full: boolean;
  /** External ids seen in this run: duplicates, and (at the end) what must not be deleted. */
  seen: SeenIds;
  counts: RunCounts;
  /** Ids that had state and were seen for the first time in this run: the rest of the state vanished. */
  seenInState: number;
  /** The state as the run started, in memory: settles unchanged records and tells new ones without a query. */
  table: StateTable;
  lookup(ids: readonly string[]): Promise<Map<string, ContactState>>;
}

/**
 * Classifies a chunk of records. An unchanged record (same raw record, same mapping as the state holds) is
 * settled by the in-memory table and not mapped at all: that is where a nightly run saves its time. Only records
 * the table cannot settle (changed, or all of them with `full`) have their stored hashes read, in one query.
 */
export async function classifyChunk(records: readonly SourceRecord[], ctx: ClassifyContext): Promise<Classified[]> {
  const { mapping, counts, table, seen } = ctx;
  const appName = mapping.appName;
  // Each record's id, its fingerprint (computed once for the table and the seen-set), source fingerprint, and slot.
  const ids = new Array<string>(records.length);
  const idHigh = new Uint32Array(records.length);
  const idLow = new Uint32Array(records.length);
  const fingerprints = new Array<bigint>(records.length);
  const slots = new Int32Array(records.length);
  const unsettled: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as SourceRecord;
    const id = mapping.externalIdOf(record.fields);
    ids[i] = id;
    fingerprints[i] = sourceFingerprintOf(ctx.seed, record);
    const [high, low] = idFingerprint(id);
    idHigh[i] = high;
    idLow[i] = low;
    const slot = id === "" ? -1 : table.slotOfFingerprint(high, low);
    slots[i] = slot;
    if (slot >= 0 && (ctx.full || !table.matches(slot, fingerprints[i] as bigint))) unsettled.push(id);
  }
  const states = unsettled.length > 0 ? await ctx.lookup(unsettled) : NO_STATES;
  const out: Classified[] = [];
  records.forEach((record, index) => {
    const id = ids[index] as string;
    const fingerprint = fingerprints[index] as bigint;
    const slot = slots[index] as number;
    const high = idHigh[index] as number;
    const low = idLow[index] as number;
    const { ref, fields } = record;
    if (id !== "" && seen.hasAt(slot, high, low)) {
      counts.duplicates++;
      out.push({
        kind: "row",
        row: { ref, appName, externalId: id, ...nameOf(mapping, fields), outcome: "duplicate", info: `uc_external_id "${id}" appeared earlier in the source; this record was not sent` },
      });
      return;
    }
    const inState = slot >= 0;
    const markSeen = (): void => {
      if (seen.addAt(slot, high, low) && inState) ctx.seenInState++;
    };
    if (!ctx.full && inState && table.matches(slot, fingerprint)) {
      markSeen();
      counts.unchanged++;
      out.push({ kind: "unchanged", externalId: id });
      return;
    }
    const sourceHash = hex64(fingerprint);
    const mapped = mapping.apply(fields, ref);
    if (mapped.kind === "skip") {
      // Not marked seen: a contact a rule now skips (a customer set inactive) leaves the PBX with the deletions.
      counts.skipped++;
      out.push({ kind: "row", row: { ref, appName, externalId: id || null, ...nameOf(mapping, fields), outcome: "skipped", info: mapped.reason } });
      return;
    }
    if (mapped.kind === "invalid") {
      // Seen: bad data in a record that still exists must never delete its contact.
      if (id !== "") markSeen();
      counts.invalid++;
      out.push({ kind: "row", row: { ref, appName, externalId: id || null, ...nameOf(mapping, fields), outcome: "invalid", info: mapped.problems.join("; ") } });
      return;
    }
    const contact = mapped.contact;
    markSeen();
    const json = JSON.stringify(contact);
    const contactHash = contactHashOf(json);
    const state = states.get(id);
    if (!ctx.full && contactHashMatches(state?.contactHash, json, contactHash)) {
      counts.unchanged++;
      out.push({ kind: "unchanged", externalId: id, refresh: { externalId: id, sourceHash } });
      return;
    }
    out.push({
      kind: "push",
      action: inState ? "update" : "insert",
      pending: {
        ref,
        contact,
        displayName: displayNameOf(contact),
        warnings: mapped.warnings,
        bytes: Buffer.byteLength(json),
        hashes: { source: sourceHash, contact: contactHash },
      },
    });
  });
  return out;
}

/** The record's display name for a report row, when its name fields give one. */
function nameOf(mapping: CompiledMapping, fields: SourceRecord["fields"]): { displayName?: string } {
  const name = mapping.nameOf(fields);
  return name === "" ? {} : { displayName: name };
}
