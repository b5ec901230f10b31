// The viewer's read queries: a run's rows filtered, searched, sorted and paged; a contact across runs; the jobs.
import type { Knex } from "knex";
import { toResultRow } from "./results.js";
import { parseSent } from "./state.js";
import { RESULTS_TABLE, RUNS_TABLE, SIZES, STATE_TABLE, clip } from "./tables.js";
import type { ContactHistoryEntry, ContactResultRow, ContactStanding, ResultSort, ResultsPage, ResultsQuery, RunStatus } from "./types.js";

/** The most rows one page may ask for. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_HISTORY_LIMIT = 200;
/**
 * A search counts its matches up to this many and then stops (totalIsLowerBound): a LIKE '%text%' can use no
 * index, and counting every match of a common word in a run of 1,000,000 rows scanned the run to its end.
 */
export const SEARCH_COUNT_CAP = 10_000;

/**
 * `id` stands for seq, as the sort and as every sort's tie-break: within a run both grow together (a run has one
 * writer, which inserts its rows in seq order), and every index ends with the id, so "order by display_name, id"
 * walks (run_id, display_name) without sorting; "order by display_name, seq" would sort the whole run.
 */
const SORT_COLUMNS: Record<ResultSort, string | null> = { seq: null, name: "display_name", externalId: "uc_external_id", outcome: "outcome" };
/** Searched as text, cheapest and likeliest first (an OR stops at its first match). */
const SEARCHED_COLUMNS = ["display_name", "uc_external_id", "ref", "pbx_id", "info"] as const;

type Filter = Pick<ResultsQuery, "outcomes" | "search">;

function isMysql(db: Knex): boolean {
  return (db.client as { dialect?: unknown }).dialect === "mysql";
}

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

/** The text as typed, in lower and in upper case, less those SQLite's LIKE takes for the same (ASCII case aside). */
function caseVariants(text: string): string[] {
  const asciiFolded = (variant: string) => variant.replace(/[A-Z]/g, (char) => char.toLowerCase());
  const variants = new Map<string, string>();
  for (const variant of [text, text.toLowerCase(), text.toUpperCase()]) if (!variants.has(asciiFolded(variant))) variants.set(asciiFolded(variant), variant);
  return [...variants.values()];
}

/**
 * The search as (column, pattern) conditions, any of which matches. MySQL: `lower(col) like lower(text)`, as
 * the tables' collation is binary and its lower() knows every alphabet. SQLite: `col like text`, already
 * case-blind for ASCII but not beyond, and its lower() is ASCII-only; so the text is also tried in lower and in
 * upper case, and "MÜLLER" finds "Müller" and "MÜLLER", "città" finds "Città" and "CITTÀ".
 */
function searchConditions(db: Knex, search: string): Array<{ sql: string; pattern: string }> {
  const mysql = isMysql(db);
  const variants = mysql ? [search.toLowerCase()] : caseVariants(search);
  const conditions = SEARCHED_COLUMNS.flatMap((column) =>
    variants.map((variant) => ({ sql: mysql ? `lower(${column}) like ? escape '!'` : `${column} like ? escape '!'`, pattern: containsPattern(variant) })),
  );
  const digits = searchDigits(search);
  // Numbers are stored as sent (digits and a leading +): "+39 02 1234-567" finds "+39021234567" by its digits.
  if (digits !== null) conditions.push({ sql: "detail like ? escape '!'", pattern: containsPattern(digits) });
  return conditions;
}

function applyFilter(db: Knex, query: Knex.QueryBuilder, runId: number, filter: Filter): Knex.QueryBuilder {
  query.where("run_id", runId);
  if (filter.outcomes !== undefined) query.whereIn("outcome", [...filter.outcomes]);
  const search = filter.search?.trim() ?? "";
  if (search !== "") {
    query.where((inner) => {
      for (const { sql, pattern } of searchConditions(db, search)) inner.orWhereRaw(sql, [pattern]);
    });
  }
  return query;
}

function applyOrder(query: Knex.QueryBuilder, sort: ResultSort, descending: boolean): Knex.QueryBuilder {
  const direction = descending ? "desc" : "asc";
  const column = SORT_COLUMNS[sort];
  if (column !== null) query.orderBy(column, direction);
  return query.orderBy("id", direction);
}

/** 1..MAX_PAGE_SIZE whole rows; a limit that is not a number asks for the most. */
export function pageLimit(limit: number): number {
  return Number.isNaN(limit) ? MAX_PAGE_SIZE : Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit)));
}

function pageOffset(offset: number | undefined): number {
  return offset === undefined || Number.isNaN(offset) ? 0 : Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(offset)));
}

/** The rows of these ids, in the order of the ids. */
async function rowsByIds(db: Knex, ids: readonly number[]): Promise<ContactResultRow[]> {
  if (ids.length === 0) return [];
  const records = (await db(RESULTS_TABLE).select("*").whereIn("id", [...ids])) as Record<string, unknown>[];
  const byId = new Map(records.map((record) => [Number(record["id"]), record]));
  return ids.flatMap((id) => {
    const record = byId.get(id);
    return record ? [toResultRow(record)] : [];
  });
}

function idsOf(records: ReadonlyArray<{ id: unknown }>): number[] {
  return records.map((record) => Number(record.id));
}

/**
 * A page of a run's rows. Without a search: the count and the page's ids come from indexes alone (the ids
 * first, then their rows, so a deep offset skips index entries, not rows). With one: see searchPage.
 */
export async function queryResults(db: Knex, runId: number, query: ResultsQuery): Promise<ResultsPage> {
  if (query.outcomes !== undefined && query.outcomes.length === 0) return { rows: [], total: 0, totalIsLowerBound: false };
  const limit = pageLimit(query.limit);
  const offset = pageOffset(query.offset);
  const sort = query.sort ?? "seq";
  const descending = query.descending === true;
  if ((query.search?.trim() ?? "") !== "") return searchPage(db, runId, query, { limit, offset, sort, descending });
  const counted = (await applyFilter(db, db(RESULTS_TABLE), runId, query).count({ n: "*" }).first()) as { n?: unknown } | undefined;
  const total = Number(counted?.n ?? 0);
  if (total === 0 || offset >= total) return { rows: [], total, totalIsLowerBound: false };
  // A page past the middle is read from the other end: an offset makes the database step over that many entries.
  const fromEnd = offset + limit / 2 > total / 2;
  const skip = fromEnd ? Math.max(0, total - offset - limit) : offset;
  const take = fromEnd ? Math.min(limit, total - offset) : limit;
  const page = applyOrder(applyFilter(db, db(RESULTS_TABLE).select("id"), runId, query), sort, descending !== fromEnd).limit(take).offset(skip);
  const ids = idsOf((await page) as Array<{ id: unknown }>);
  return { rows: await rowsByIds(db, fromEnd ? ids.reverse() : ids), total, totalIsLowerBound: false };
}

interface Paging {
  limit: number;
  offset: number;
  sort: ResultSort;
  descending: boolean;
}

/**
 * A search reads the run's rows once: the ids of up to SEARCH_COUNT_CAP + 1 matches, in the run's order. Up to
 * the cap, that is the exact total, and the page is sorted out of those ids alone. Past it, the total is a lower
 * bound, and the page is a sorted walk that stops as soon as it has its rows (matches are common then).
 */
async function searchPage(db: Knex, runId: number, filter: Filter, paging: Paging): Promise<ResultsPage> {
  const { limit, offset, sort, descending } = paging;
  const matched = idsOf((await applyFilter(db, db(RESULTS_TABLE).select("id"), runId, filter).limit(SEARCH_COUNT_CAP + 1)) as Array<{ id: unknown }>);
  if (matched.length <= SEARCH_COUNT_CAP) {
    const total = matched.length;
    if (total === 0 || offset >= total) return { rows: [], total, totalIsLowerBound: false };
    const page = applyOrder(db(RESULTS_TABLE).select("*").whereIn("id", matched), sort, descending).limit(limit).offset(offset);
    return { rows: ((await page) as Record<string, unknown>[]).map(toResultRow), total, totalIsLowerBound: false };
  }
  const page = applyOrder(applyFilter(db, db(RESULTS_TABLE).select("id"), runId, filter), sort, descending).limit(limit).offset(offset);
  const rows = await rowsByIds(db, idsOf((await page) as Array<{ id: unknown }>));
  // A short page that is not empty ends the matches: their number is known after all.
  if (rows.length > 0 && rows.length < limit) return { rows, total: offset + rows.length, totalIsLowerBound: false };
  return { rows, total: Math.max(SEARCH_COUNT_CAP, rows.length === 0 ? 0 : offset + rows.length), totalIsLowerBound: true };
}

/** Newest first; the (uc_app_name, uc_external_id) index holds the id, so this reads only the contact's rows. */
export async function contactHistory(db: Knex, appName: string, externalId: string, limit = DEFAULT_HISTORY_LIMIT): Promise<ContactHistoryEntry[]> {
  const records = (await db(`${RESULTS_TABLE} as r`)
    .join(`${RUNS_TABLE} as u`, "u.id", "r.run_id")
    .where("r.uc_app_name", clip(appName, SIZES.appName))
    .andWhere("r.uc_external_id", clip(externalId, SIZES.externalId))
    .select("r.*", "u.job as run_job", "u.trigger as run_trigger", "u.status as run_status", "u.dry_run as run_dry_run", "u.started_at as run_started_at")
    .orderBy("r.id", "desc")
    .limit(pageLimit(limit))) as Record<string, unknown>[];
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

/** Per PBX; the (app_name, external_id) index finds the rows, as the state's key starts with the PBX. */
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
