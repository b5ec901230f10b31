// What a dry run reports: each contact's class in the plan, handed to a sink the CLI renders.

export type PlanClass = "insert" | "update" | "delete" | "skip" | "invalid" | "duplicate";

export interface PlanEntry {
  class: PlanClass;
  ref: string | null;
  externalId: string | null;
  name: string;
  /** Why: the skip reason, the mapping problem, "no longer in the source". */
  info: string;
}

export interface PlanSink {
  entry(entry: PlanEntry): void;
}
