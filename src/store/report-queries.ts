// The viewer's read queries: a run's rows filtered, searched, sorted and paged; a contact across runs; the jobs.
import type { Knex } from "knex";
import { toResultRow } from "./results.js";
import { parseSent } from "./state.js";
import { RESULTS_TABLE, RUNS_TABLE, SIZES, STATE_TABLE, clip } from "./tables.js";
import type { ContactHistoryEntry, ContactStanding, ResultSort, ResultsPage, ResultsQuery, RunStatus } from "./types.js";

/** The most rows one page may ask for. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_HISTORY_LIMIT = 200;

const SORT_COLUMNS: Record<ResultSort, string> = { seq: "seq", name: "display_name", externalId: "uc_external_id", outcome: "outcome" };

/** `%text%` for LIKE with '!' as the escape character, so a searched % or _ is taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}

/** Digits of a search that looks like a phone number ("+39 02 1234-567"), or null. */
export function searchDigits(search: string): string | null {
  if (!/^[+\d\s()./-]+$/.test(search)) return null;
  const digits = search.replace(/\D/g, "");
  return digits.length >= 3 ? digits : null;
}

function applyFilter(query: Knex.QueryBuilder, runId: number, filter: Pick<ResultsQuery, "outcomes" | "search">): Knex.QueryBuilder {
  query.where("run_id", runId);
  if (filter.outcomes !== undefined) query.whereIn("outcome", [...filter.outcomes]);
  const search = filter.search?.trim().toLowerCase() ?? "";
  if (search !== "") {
    const pattern = containsPattern(search);
    const digits = searchDigits(search);
    query.where((inner) => {
      for (const column of ["display_name", "uc_external_id", "ref", "pbx_id", "info"]) inner.orWhereRaw(`lower(${column}) like ? escape '!'`, [pattern]);
      if (digits !== null) inner.orWhereRaw("detail like ? escape '!'", [containsPattern(digits)]);
    });
  }
  return query;
}

export async function queryResults(db: Knex, runId: number, query: ResultsQuery): Promise<ResultsPage> {
  if (query.outcomes !== undefined && query.outcomes.length === 0) return { rows: [], total: 0 };
  const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(query.limit)));
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const counted = (await applyFilter(db(RESULTS_TABLE), runId, query).count({ n: "*" }).first()) as { n?: unknown } | undefined;
  const total = Number(counted?.n ?? 0);
  if (total === 0 || offset >= total) return { rows: [], total };
  const direction = query.descending === true ? "desc" : "asc";
  const page = applyFilter(db(RESULTS_TABLE).select("*"), runId, query);
  const sort = query.sort ?? "seq";
  page.orderBy(SORT_COLUMNS[sort], direction);
  if (sort !== "seq") page.orderBy("seq", direction);
  const records = (await page.limit(limit).offset(offset)) as Record<string, unknown>[];
  return { rows: records.map(toResultRow), total };
}

export async function contactHistory(db: Knex, appName: string, externalId: string, limit = DEFAULT_HISTORY_LIMIT): Promise<ContactHistoryEntry[]> {
  const records = (await db(`${RESULTS_TABLE} as r`)
    .join(`${RUNS_TABLE} as u`, "u.id", "r.run_id")
    .where("r.uc_app_name", clip(appName, SIZES.appName))
    .andWhere("r.uc_external_id", externalId)
    .select("r.*", "u.job as run_job", "u.trigger as run_trigger", "u.status as run_status", "u.dry_run as run_dry_run", "u.started_at as run_started_at")
    .orderBy("r.id", "desc")
    .limit(Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit))))) as Record<string, unknown>[];
  return records.map((record) => ({
    ...toResultRow(record),
    run: {
      id: Number(record["run_id"]),
      job: String(record["run_job"]),
      trigger: String(record["run_trigger"]),
      status: String(record["run_status"]) as RunStatus,
      dryRun: Boolean(Number(record["run_dry_run"])),
      startedAt: new Date(String(record["run_started_at"])),
    },
  }));
}

export async function contactStanding(db: Knex, appName: string, externalId: string): Promise<ContactStanding[]> {
  const records = (await db(STATE_TABLE)
    .where({ app_name: clip(appName, SIZES.appName), external_id: externalId })
    .select("pbx_key", "pbx_id", "display_name", "sent", "last_run_id", "confirmed_at")
    .orderBy("pbx_key")) as Record<string, unknown>[];
  return records.map((record) => ({
    pbxKey: String(record["pbx_key"]),
    pbxId: record["pbx_id"] == null ? null : String(record["pbx_id"]),
    displayName: record["display_name"] == null ? null : String(record["display_name"]),
    sent: parseSent(record["sent"]),
    lastRunId: Number(record["last_run_id"]),
    confirmedAt: record["confirmed_at"] == null ? null : new Date(String(record["confirmed_at"])),
  }));
}

export async function listJobs(db: Knex): Promise<string[]> {
  const records = (await db(RUNS_TABLE).distinct("job").orderBy("job")) as Array<{ job: unknown }>;
  return records.map((record) => String(record.job));
}
