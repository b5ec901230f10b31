// How a run's counts are named wherever a human reads them: the end-of-run summary, `reports show`, the viewer.
import type { RunCounts } from "../store/index.js";

/** Every count with its label, in the order reports print them. */
export const COUNT_LABELS: ReadonlyArray<readonly [keyof RunCounts, string]> = [
  ["read", "records read"],
  ["inserted", "inserted"],
  ["updated", "updated"],
  ["unchanged", "unchanged"],
  ["warnings", "with warnings"],
  ["skipped", "skipped by rule"],
  ["invalid", "invalid records"],
  ["duplicates", "duplicate ids"],
  ["rejected", "rejected by PBX"],
  ["errors", "failed"],
  ["unconfirmed", "unconfirmed"],
  ["deleted", "deleted"],
  ["kept", "kept by guard"],
];
