// Queries on the `runs` table: one row per run, with its status, timings and counts.
import os from "node:os";
import type { Knex } from "knex";
import { SyncError } from "../errors.js";
import { redact, redactUrl } from "../redact.js";
import { RUNS_TABLE, SIZES, clip, clipOrNull } from "./tables.js";
import { COUNT_KEYS, type CreateRunInput, type FinishRunInput, type LastRunFilter, type ListRunsFilter, type RunCounts, type RunRow, type RunStatus } from "./types.js";

/** A `runs` row as drivers hand it back: numbers may arrive as strings, booleans as 0/1. */
type RunRecord = Record<string, unknown>;

function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}

function numOrNull(value: unknown): number | null {
  return value == null ? null : Number(value);
}

function strOrNull(value: unknown): string | null {
  return value == null ? null : String(value);
}

export function toRunRow(record: RunRecord): RunRow {
  const counts = {} as RunCounts;
  for (const key of COUNT_KEYS) counts[key] = num(record[key]);
  return {
    id: num(record["id"]),
    job: String(record["job"]),
    appName: String(record["app_name"]),
    trigger: String(record["trigger"]),
    pbx: String(record["pbx"]),
    status: String(record["status"]) as RunStatus,
    dryRun: Boolean(num(record["dry_run"])),
    startedAt: new Date(String(record["started_at"])),
    endedAt: record["ended_at"] == null ? null : new Date(String(record["ended_at"])),
    counts,
    error: strOrNull(record["error"]),
    pid: numOrNull(record["pid"]),
    host: strOrNull(record["host"]),
    scheduledFor: strOrNull(record["scheduled_for"]),
    fullReason: strOrNull(record["full_reason"]),
  };
}

/** Count columns to write: only the keys given, each a whole non-negative number. */
function countColumns(counts: Partial<RunCounts>): Record<string, number> {
  const columns: Record<string, number> = {};
  for (const key of COUNT_KEYS) {
    const value = counts[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new SyncError("INTERNAL", `run count "${key}" must be a whole number >= 0, got ${String(value)}`);
    }
    columns[key] = value;
  }
  return columns;
}

/** A unique-key violation: another daemon created this job's run for the same schedule slot first. */
function isDuplicateKey(err: unknown): boolean {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "ER_DUP_ENTRY";
}

export async function insertRun(db: Knex, input: CreateRunInput): Promise<number> {
  try {
    return await insertRunRow(db, input);
  } catch (err) {
    if (input.scheduledFor === undefined || !isDuplicateKey(err)) throw err;
    throw new SyncError("RUN_CLAIMED", `the run of job "${input.job}" scheduled for ${input.scheduledFor} was already taken by another process sharing the store`);
  }
}

async function insertRunRow(db: Knex, input: CreateRunInput): Promise<number> {
  const zero = Object.fromEntries(COUNT_KEYS.map((key) => [key, 0]));
  const ids: unknown[] = await db(RUNS_TABLE).insert({
    job: clip(input.job, SIZES.job),
    app_name: clip(input.appName, SIZES.appName),
    trigger: clip(input.trigger, SIZES.trigger),
    // The caller redacts already; masking again here keeps the token out of reports even if one forgets.
    pbx: clip(redactUrl(input.pbx), SIZES.pbx),
    status: "running",
    dry_run: input.dryRun === true,
    started_at: new Date().toISOString(),
    ended_at: null,
    ...zero,
    error: null,
    pid: process.pid,
    host: clip(os.hostname(), SIZES.host),
    scheduled_for: clipOrNull(input.scheduledFor, SIZES.scheduledFor),
    full_reason: clipOrNull(input.fullReason, SIZES.fullReason),
  });
  const id = Number(ids[0]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new SyncError("STORE_FAILED", `the database gave no id for the new run of job "${input.job}"`);
  return id;
}

function notFound(runId: number): SyncError {
  return new SyncError("RUN_NOT_FOUND", `run ${runId} is not in the store`);
}

export async function updateCounts(db: Knex, runId: number, counts: Partial<RunCounts>): Promise<void> {
  const columns = countColumns(counts);
  if (Object.keys(columns).length === 0) {
    if (!(await findRun(db, runId))) throw notFound(runId);
    return;
  }
  const changed = await db(RUNS_TABLE).where({ id: runId }).update(columns);
  if (changed === 0) throw notFound(runId);
}

export async function finishRun(db: Knex, runId: number, result: FinishRunInput): Promise<void> {
  const changed = await db(RUNS_TABLE)
    .where({ id: runId })
    .update({
      status: result.status,
      ended_at: new Date().toISOString(),
      error: clipOrNull(result.error == null ? null : redact(result.error), SIZES.runError),
      ...countColumns(result.counts),
    });
  if (changed === 0) throw notFound(runId);
}

export async function findRun(db: Knex, runId: number): Promise<RunRow | undefined> {
  const record = (await db(RUNS_TABLE).where({ id: runId }).first()) as RunRecord | undefined;
  return record ? toRunRow(record) : undefined;
}

export async function listRuns(db: Knex, filter: ListRunsFilter = {}): Promise<RunRow[]> {
  const query = db(RUNS_TABLE).select("*").orderBy("id", "desc");
  if (filter.job !== undefined) query.where({ job: filter.job });
  if (filter.limit !== undefined) query.limit(Math.max(0, Math.floor(filter.limit)));
  if (filter.offset !== undefined && filter.offset > 0) {
    // MySQL takes no OFFSET without a LIMIT: the largest it accepts stands for "all".
    if (filter.limit === undefined) query.limit(Number.MAX_SAFE_INTEGER);
    query.offset(Math.floor(filter.offset));
  }
  const records = (await query) as RunRecord[];
  return records.map(toRunRow);
}

export async function latestRun(db: Knex, job?: string): Promise<RunRow | undefined> {
  const query = db(RUNS_TABLE).orderBy("id", "desc").first();
  if (job !== undefined) query.where({ job });
  const record = (await query) as RunRecord | undefined;
  return record ? toRunRow(record) : undefined;
}

export async function lastRun(db: Knex, job: string, filter: LastRunFilter): Promise<RunRow | undefined> {
  // A dry run (recorded with --record) sent nothing: it is never a job's last run.
  const query = db(RUNS_TABLE).where({ job: clip(job, SIZES.job), dry_run: false }).orderBy("id", "desc").first();
  if (filter.statuses !== undefined) query.whereIn("status", [...filter.statuses]);
  if (filter.full === true) query.whereNotNull("full_reason");
  const record = (await query) as RunRecord | undefined;
  return record ? toRunRow(record) : undefined;
}

/**
 * Marks every run of `job` still `running` as aborted and returns their ids. Only the holder of the job's lock
 * calls this, so no live process is behind such a run: it was killed (kill -9, power cut) before it finished.
 * `reason` starts the error text (default "interrupted"). The time is the run's start: runs record no later sign of life.
 */
export async function abortInterruptedRuns(db: Knex, job: string, reason = "interrupted"): Promise<number[]> {
  const records = (await db(RUNS_TABLE)
    .select("id", "pid", "host", "started_at")
    .where({ job: clip(job, SIZES.job), status: "running" })
    .orderBy("id", "asc")) as RunRecord[];
  const ids: number[] = [];
  const endedAt = new Date().toISOString();
  for (const record of records) {
    const id = num(record["id"]);
    const pid = record["pid"] == null ? "?" : String(record["pid"]);
    const host = strOrNull(record["host"]) ?? "?";
    const error = `${reason}: the run of pid ${pid} on host ${host} stopped without finishing (last seen ${String(record["started_at"])})`;
    // Still "running" in the condition: a run that finished meanwhile keeps its real outcome.
    const changed = await db(RUNS_TABLE)
      .where({ id, status: "running" })
      .update({ status: "aborted", ended_at: endedAt, error: clip(redact(error), SIZES.runError) });
    if (changed === 1) ids.push(id);
  }
  return ids;
}
