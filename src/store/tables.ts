// Table names, column sizes and the one clipping rule that keeps every value inside its column on any database.
import { WATERMARK_MAX_LENGTH } from "../../connectors/types.js";

export const RUNS_TABLE = "runs";
export const RESULTS_TABLE = "contact_results";
export const STATE_TABLE = "contact_state";
export const WATERMARKS_TABLE = "source_watermarks";
export const SOURCE_REFS_TABLE = "source_refs";

/**
 * Column sizes in characters. SQLite ignores them but MySQL in strict mode refuses a longer value,
 * so the store clips before it writes: a report row with a shortened note beats a lost run.
 */
export const SIZES = {
  job: 100,
  appName: 255,
  trigger: 16,
  status: 16,
  timestamp: 32,
  pbx: 2000,
  runError: 8000,
  host: 255,
  ref: 255,
  externalId: 255,
  displayName: 255,
  outcome: 16,
  action: 8,
  pbxId: 64,
  info: 8000,
  hash: 40,
  watermark: WATERMARK_MAX_LENGTH,
  sourceRef: 2000,
  refVersion: 255,
  scheduledFor: 64,
  fullReason: 500,
} as const;

/** Shortens a text to `max` characters (code points, so no half emoji), marking the cut with "…". */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return `${chars.slice(0, max - 1).join("")}…`;
}

/** `clip` for optional values: null and undefined are stored as NULL. */
export function clipOrNull(value: string | null | undefined, max: number): string | null {
  return value == null ? null : clip(value, max);
}
