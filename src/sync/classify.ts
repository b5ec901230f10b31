// Sorts source records into insert / update / unchanged / skip / invalid / duplicate against the stored state.
import type { SourceRecord } from "../../connectors/types.js";
import type { CompiledMapping } from "../mapping/index.js";
import type { ContactResultInput, RunCounts } from "../store/index.js";
import type { ContactState } from "../store/index.js";
import { displayNameOf, type PendingContact } from "./batcher.js";
import { contactHashOf, sourceHashOf } from "./hashes.js";
import type { FingerprintSet } from "./seen-set.js";

export type Classified =
  /** To push: new to the state (insert) or changed since the PBX last confirmed it (update). */
  | { kind: "push"; action: "insert" | "update"; pending: PendingContact }
  /** Nothing to push; `refresh` when only the source hash moved (the record changed, the contact did not). */
  | { kind: "unchanged"; externalId: string; refresh?: { externalId: string; sourceHash: string } }
  /** Skipped by a rule, invalid, or a duplicate id: a report row, nothing pushed. */
  | { kind: "row"; row: ContactResultInput };

export interface ClassifyContext {
  mapping: CompiledMapping;
  /** Push every contact, whatever the state says (`--full`). */
  full: boolean;
  /** External ids seen in this run: duplicates, and (at the end) what must not be deleted. */
  seen: FingerprintSet;
  counts: RunCounts;
  /** Ids that had state and were seen for the first time in this run: the rest of the state vanished. */
  seenInState: number;
  lookup(ids: readonly string[]): Promise<Map<string, ContactState>>;
}

/**
 * Classifies a chunk of records with one state lookup. An unchanged record (same raw record, same mapping)
 * is not mapped at all: that is where an incremental run saves its time.
 */
export async function classifyChunk(records: readonly SourceRecord[], ctx: ClassifyContext): Promise<Classified[]> {
  const { mapping, counts } = ctx;
  const appName = mapping.appName;
  const ids = records.map((record) => mapping.externalIdOf(record.fields));
  const states = await ctx.lookup(ids.filter((id) => id !== ""));
  const out: Classified[] = [];
  records.forEach((record, index) => {
    const id = ids[index] ?? "";
    const { ref, fields } = record;
    if (id !== "" && ctx.seen.has(id)) {
      counts.duplicates++;
      out.push({
        kind: "row",
        row: { ref, appName, externalId: id, ...nameOf(mapping, fields), outcome: "duplicate", info: `uc_external_id "${id}" appeared earlier in the source; this record was not sent` },
      });
      return;
    }
    const state = states.get(id);
    const sourceHash = sourceHashOf(mapping, fields);
    const markSeen = (): void => {
      if (ctx.seen.add(id) && state) ctx.seenInState++;
    };
    if (!ctx.full && state?.sourceHash === sourceHash) {
      markSeen();
      counts.unchanged++;
      out.push({ kind: "unchanged", externalId: id });
      return;
    }
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
    if (!ctx.full && state?.contactHash === contactHash) {
      counts.unchanged++;
      out.push({ kind: "unchanged", externalId: id, refresh: { externalId: id, sourceHash } });
      return;
    }
    out.push({
      kind: "push",
      action: state ? "update" : "insert",
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
