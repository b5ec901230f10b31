// Queries on `source_watermarks`: where an incremental source's next run starts reading.
import type { Knex } from "knex";
import { SIZES, WATERMARKS_TABLE, clip } from "./tables.js";
import type { Watermark } from "./types.js";

/** The watermark a complete run of this job left for this mapping and query, if any. */
export async function readWatermark(db: Knex, job: string, sourceKey: string): Promise<Watermark | undefined> {
  const row = (await db(WATERMARKS_TABLE).where({ job: clip(job, SIZES.job), source_key: sourceKey }).first("watermark", "run_id")) as
    | { watermark: string; run_id: number }
    | undefined;
  return row ? { value: String(row.watermark), runId: Number(row.run_id) } : undefined;
}

/** Records (or moves) the watermark after a run that read the whole source and lost no contact. */
export async function writeWatermark(db: Knex, job: string, sourceKey: string, value: string, runId: number): Promise<void> {
  await db(WATERMARKS_TABLE)
    .insert({ job: clip(job, SIZES.job), source_key: sourceKey, watermark: clip(value, SIZES.watermark), run_id: runId, recorded_at: new Date().toISOString() })
    .onConflict(["job", "source_key"])
    .merge(["watermark", "run_id", "recorded_at"]);
}
