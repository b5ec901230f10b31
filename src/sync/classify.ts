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

/** One record's id, with what the first pass found: its fingerprints (computed once) and its slot in the state table. */
interface Facts {
  id: string;
  high: number;
  low: number;
  /** The source fingerprint: the raw record with the mapping. */
  fingerprint: bigint;
  /** -1 when the state does not hold the id. */
  slot: number;
}

/**
 * Classifies a chunk of records. An unchanged record (same raw record, same mapping as the state holds) is
 * settled by the in-memory table and not mapped at all: that is where a nightly run saves its time. Only records
 * the table cannot settle (changed, or all of them with `full`) have their stored hashes read, in one query.
 * Records are then classified in their order: a duplicate is one whose id an earlier record of the source had.
 */
export async function classifyChunk(records: readonly SourceRecord[], ctx: ClassifyContext): Promise<Classified[]> {
  const facts = records.map((record) => factsOf(record, ctx));
  const unsettled = facts.filter((fact) => fact.slot >= 0 && (ctx.full || !ctx.table.matches(fact.slot, fact.fingerprint))).map((fact) => fact.id);
  const states = unsettled.length > 0 ? await ctx.lookup(unsettled) : NO_STATES;
  return records.map((record, index) => classifyOne(record, facts[index] as Facts, states, ctx));
}

function factsOf(record: SourceRecord, ctx: ClassifyContext): Facts {
  const id = ctx.mapping.externalIdOf(record.fields);
  const [high, low] = idFingerprint(id);
  return { id, high, low, fingerprint: sourceFingerprintOf(ctx.seed, record), slot: id === "" ? -1 : ctx.table.slotOfFingerprint(high, low) };
}

function classifyOne(record: SourceRecord, facts: Facts, states: ReadonlyMap<string, ContactState>, ctx: ClassifyContext): Classified {
  const { mapping, counts, seen } = ctx;
  const { id, high, low, slot } = facts;
  if (id !== "" && seen.hasAt(slot, high, low)) {
    counts.duplicates++;
    return reportRow(record, ctx, { externalId: id, outcome: "duplicate", info: `uc_external_id "${id}" appeared earlier in the source; this record was not sent` });
  }
  const inState = slot >= 0;
  const markSeen = (): void => {
    if (seen.addAt(slot, high, low) && inState) ctx.seenInState++;
  };
  if (!ctx.full && inState && ctx.table.matches(slot, facts.fingerprint)) {
    markSeen();
    counts.unchanged++;
    return { kind: "unchanged", externalId: id };
  }
  const mapped = mapping.apply(record.fields, record.ref);
  if (mapped.kind === "skip") {
    // Not marked seen: a contact a rule now skips (a customer set inactive) leaves the PBX with the deletions.
    counts.skipped++;
    return reportRow(record, ctx, { externalId: id || null, outcome: "skipped", info: mapped.reason });
  }
  if (mapped.kind === "invalid") {
    // Seen: bad data in a record that still exists must never delete its contact.
    if (id !== "") markSeen();
    counts.invalid++;
    return reportRow(record, ctx, { externalId: id || null, outcome: "invalid", info: mapped.problems.join("; ") });
  }
  markSeen();
  return mappedContact(record, facts, mapped.contact, mapped.warnings, states, ctx);
}

/** A record mapped to a contact: unchanged when the PBX already has this very contact, else to push. */
function mappedContact(
  record: SourceRecord,
  facts: Facts,
  contact: PendingContact["contact"],
  warnings: readonly string[],
  states: ReadonlyMap<string, ContactState>,
  ctx: ClassifyContext,
): Classified {
  const { id } = facts;
  const sourceHash = hex64(facts.fingerprint);
  const json = JSON.stringify(contact);
  const contactHash = contactHashOf(json);
  if (!ctx.full && contactHashMatches(states.get(id)?.contactHash, json, contactHash)) {
    ctx.counts.unchanged++;
    return { kind: "unchanged", externalId: id, refresh: { externalId: id, sourceHash } };
  }
  return {
    kind: "push",
    action: facts.slot >= 0 ? "update" : "insert",
    pending: {
      ref: record.ref,
      contact,
      displayName: displayNameOf(contact),
      warnings,
      bytes: Buffer.byteLength(json),
      hashes: { source: sourceHash, contact: contactHash },
    },
  };
}

/** A report row for a record that is not sent. */
function reportRow(record: SourceRecord, ctx: ClassifyContext, row: Pick<ContactResultInput, "externalId" | "outcome" | "info">): Classified {
  return { kind: "row", row: { ref: record.ref, appName: ctx.mapping.appName, ...nameOf(ctx.mapping, record.fields), ...row } };
}

/** The record's display name for a report row, when its name fields give one. */
function nameOf(mapping: CompiledMapping, fields: SourceRecord["fields"]): { displayName?: string } {
  const name = mapping.nameOf(fields);
  return name === "" ? {} : { displayName: name };
}
