// What a dry run reports: each contact's class in the plan, handed to a sink the CLI renders.
import type { PbxContact } from "../pbx/contact.js";
import type { SentContact } from "../store/index.js";

/** "keep": gone from the source, but a deletion guard holds the deletions back. */
export type PlanClass = "insert" | "update" | "delete" | "keep" | "skip" | "invalid" | "duplicate";

export interface PlanEntry {
  class: PlanClass;
  ref: string | null;
  externalId: string | null;
  name: string;
  /** Why: the skip reason, the mapping problem, "no longer in the source". */
  info: string;
  /** Insert and update: the contact as it would be sent (numbers normalized, ext_info built). */
  contact?: PbxContact;
  /** Update: each field that differs from what the PBX last confirmed (absent when that is not on record). */
  changes?: Record<string, { from: unknown; to: unknown }>;
  /** Delete and keep: the PBX's id of the contact. */
  pbxId?: string | null;
  /** Delete and keep: the contact as the PBX last confirmed it, when on record. */
  lastSent?: SentContact;
}

export interface PlanSink {
  entry(entry: PlanEntry): void;
}
