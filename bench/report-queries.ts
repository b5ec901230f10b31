// The report viewer's store queries on one run of 1,000,000 report rows: what migration 000008's indexes cost the
// writes (a store built with all, none, and each alone) and what they buy each query kind (median milliseconds).
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { openStore, type ResultsPage, type SqlStore } from "../src/store/index.js";
import { SEARCH_COUNT_CAP } from "../src/store/report-queries.js";
import { REPORT_APP, REPORT_INDEXES, REPORT_SCOPE, buildReportStore, outcomeOf, reportRow, sentContact, type ReportStore } from "./report-store.js";
import { companiesFor, externalIdOf } from "./source/contacts.js";
import { timeViewerPages, viewerPagesTable, type PageResult } from "./viewer-pages.js";

export { buildReportStore, REPORT_ROWS, type ReportStore, type ReportStoreOptions } from "./report-store.js";

/** Rows per page, as the viewer shows them. */
const PAGE = 50;
/** Timed calls per query kind, after one untimed call; the median is reported. */
const REPEATS = 5;
/** A sync's chunk of report rows: one more written at the end of the big run shows what a write costs there. */
const APPEND_ROWS = 500;

export interface WriteResult {
  label: string;
  indexes: readonly string[];
  insertWallS: number;
  insertCpuS: number;
  /** Milliseconds for one recordResults call of APPEND_ROWS rows (and their state) at the end of the big run. */
  appendMs: number;
  fileMb: number;
}

export interface QueryResult {
  label: string;
  /** What the call found: "50 of 1,000,000", "10,000+", "4 rows". */
  found: string;
  /** Median milliseconds with migration 000008's indexes, and without them. */
  withMs: number;
  withoutMs: number;
}

export interface ViewerBench {
  rows: number;
  writes: WriteResult[];
  queries: QueryResult[];
  /** Sizes of the results table and its indexes in the store with all indexes, MB. */
  sizes: Array<{ name: string; mb: number }>;
  /** The viewer's pages over HTTP on the store with every index. */
  pages: PageResult[];
  minutes: number;
}

interface QueryKind {
  label: string;
  call: (store: SqlStore, built: ReportStore) => Promise<ResultsPage | readonly unknown[]>;
}

const count = (n: number): string => n.toLocaleString("en-US");

/** The row a single-match search or a contact's page looks up: deep in the run, inserted, with an office number. */
function probeRow(rows: number): number {
  let row = Math.max(1, Math.floor(rows * 0.765));
  while (outcomeOf(row) !== "inserted" && row > 1) row--;
  return row;
}

/** An office number as a person types it: "+39 02 1234 5678" for "+390212345678". */
function typedNumber(e164: string): string {
  return `${e164.slice(0, 3)} ${e164.slice(3, 5)} ${e164.slice(5, 9)}-${e164.slice(9)}`;
}

function queryKinds(rows: number): QueryKind[] {
  const middle = Math.floor(rows / 2 / PAGE) * PAGE;
  const last = Math.max(0, rows - PAGE);
  const deep = Math.min(899 * PAGE, last);
  const probe = probeRow(rows);
  const sent = sentContact(probe, companiesFor(rows));
  const page = (label: string, query: Omit<Parameters<SqlStore["queryResults"]>[1], "limit">): QueryKind => ({
    label,
    call: (store, built) => store.queryResults(built.runId, { limit: PAGE, ...query }),
  });
  return [
    page("first page, in recorded order (seq)", {}),
    page(`page 900 by seq (offset ${count(deep)})`, { offset: deep }),
    page(`middle page by seq (offset ${count(middle)})`, { offset: middle }),
    page("last page by seq", { offset: last }),
    page("first page by seq, descending", { descending: true }),
    page("outcome error (0.3%), first page", { outcomes: ["error"] }),
    page("6 problem outcomes (8.5%), first page", { outcomes: ["warning", "error", "rejected", "invalid", "duplicate", "skipped"] }),
    page(`outcome inserted (86%), page 900`, { outcomes: ["inserted"], offset: deep }),
    page("first page by name", { sort: "name" }),
    page("first page by name, descending", { sort: "name", descending: true }),
    page("page 900 by name", { sort: "name", offset: deep }),
    page("middle page by name", { sort: "name", offset: middle }),
    page("last page by name", { sort: "name", offset: last }),
    page("first page by external id", { sort: "externalId" }),
    page("first page by outcome, descending", { sort: "outcome", descending: true }),
    page("warnings by name, first page", { sort: "name", outcomes: ["warning"] }),
    page(`search "Rossi" (common), first page`, { search: "Rossi" }),
    page(`search "Rossi" by name`, { search: "Rossi", sort: "name" }),
    page(`search "MÜLLER" (accents), by name`, { search: "MÜLLER", sort: "name" }),
    page(`search an external id (1 match)`, { search: externalIdOf(probe) }),
    page(`search "${typedNumber(sent.numoffice ?? "")}" (number typed)`, { search: typedNumber(sent.numoffice ?? "") }),
    page(`search with no match`, { search: "Zzyzx" }),
    page(`search "Rossi" among 6 problem outcomes`, { search: "Rossi", outcomes: ["warning", "error", "rejected", "invalid", "duplicate", "skipped"] }),
    { label: "contactHistory (4 runs)", call: (store) => store.contactHistory(REPORT_APP, externalIdOf(1)) },
    { label: "contactStanding", call: (store) => store.contactStanding(REPORT_APP, externalIdOf(probe)) },
    { label: "listJobs", call: (store) => store.listJobs() },
  ];
}

function describeFound(answer: ResultsPage | readonly unknown[]): string {
  if (Array.isArray(answer)) return `${answer.length} row${answer.length === 1 ? "" : "s"}`;
  const { rows, total, totalIsLowerBound } = answer as ResultsPage;
  return `${rows.length} of ${count(total)}${totalIsLowerBound ? "+" : ""}`;
}

async function median(call: () => Promise<unknown>): Promise<number> {
  await call();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/** Milliseconds for one more sync-sized write at the end of the big run (its rows continue its numbering). */
async function timeAppend(store: SqlStore, built: ReportStore): Promise<number> {
  const companies = companiesFor(built.rows);
  const made = Array.from({ length: APPEND_ROWS }, (_, i) => reportRow(built.rows + 1 + i, companies));
  const upserts = made.flatMap((item) => (item.upsert ? [item.upsert] : []));
  const started = performance.now();
  await store.recordResults(built.runId, made.map((item) => item.result), { scope: REPORT_SCOPE, upserts });
  return performance.now() - started;
}

async function tableSizes(store: SqlStore): Promise<Array<{ name: string; mb: number }>> {
  const records = (await store.knex.raw(
    "select name, sum(pgsize) as bytes from dbstat where name like 'contact%' or name like 'sqlite_autoindex_contact%' group by name order by bytes desc",
  )) as Array<{ name: string; bytes: number }>;
  return records.map((record) => ({ name: record.name, mb: Number(record.bytes) / 2 ** 20 }));
}

interface Measured {
  write: WriteResult;
  /** Per query kind, when asked for: what it found and its median ms. */
  queries?: Array<{ found: string; ms: number }>;
  sizes?: Array<{ name: string; mb: number }>;
  pages?: PageResult[];
}

/**
 * Builds a store with these of 000008's indexes, times the query kinds on it when given, then one more write at
 * the end of its big run (last: it adds rows to the run), and removes it.
 */
async function measureStore(dir: string, rows: number, label: string, indexes: readonly string[], kinds?: readonly QueryKind[]): Promise<Measured> {
  const file = path.join(dir, `viewer-${label.replace(/\W+/g, "-")}.sqlite`);
  const built = await buildReportStore(file, { rows, viewerIndexes: indexes });
  const store = await openStore({ client: "sqlite", filename: file }, { mustExist: true });
  try {
    const queries: Array<{ found: string; ms: number }> = [];
    for (const kind of kinds ?? []) {
      const found = describeFound(await kind.call(store, built));
      queries.push({ found, ms: await median(() => kind.call(store, built)) });
    }
    const sizes = kinds ? await tableSizes(store) : undefined;
    // The pages over HTTP, on the store with every index (the first measured): what the admin waits for.
    const pages = kinds && indexes.length === REPORT_INDEXES.length ? await timeViewerPages(store, built.runId, rows, probeRow(rows)) : undefined;
    const appendMs = await timeAppend(store, built);
    const fileMb = (await stat(file)).size / 2 ** 20;
    const write = { label, indexes, insertWallS: built.insert.wallS, insertCpuS: built.insert.cpuS, appendMs, fileMb };
    return { write, ...(kinds ? { queries } : {}), ...(sizes ? { sizes } : {}), ...(pages ? { pages } : {}) };
  } finally {
    await store.close();
    await rm(file, { force: true });
  }
}

/**
 * The whole viewer benchmark in `dir`: stores with all of 000008's indexes, none, and each alone, each written
 * and then removed; every query kind is timed on the first two. `log` gets a line per step.
 */
export async function runViewerBench(dir: string, rows: number, log: (line: string) => void = () => {}): Promise<ViewerBench> {
  const started = Date.now();
  const kinds = queryKinds(rows);
  const variants: Array<[string, readonly string[]]> = [
    ["all viewer indexes", REPORT_INDEXES.map((index) => index.name)],
    ["no viewer index", []],
    ...REPORT_INDEXES.map((index): [string, readonly string[]] => [`only ${index.name}`, [index.name]]),
  ];
  const measured: Measured[] = [];
  for (const [label, indexes] of variants) {
    const result = await measureStore(dir, rows, label, indexes, measured.length < 2 ? kinds : undefined);
    measured.push(result);
    const { write } = result;
    log(`  ${label.padEnd(42)} ${count(rows)} rows written in ${write.insertWallS.toFixed(1)} s (${write.insertCpuS.toFixed(1)} s CPU); ${APPEND_ROWS} more: ${write.appendMs.toFixed(0)} ms`);
    for (const [i, query] of (result.queries ?? []).entries()) log(`    ${(kinds[i]?.label ?? "").padEnd(48)} ${query.found.padEnd(18)} ${query.ms.toFixed(1).padStart(8)} ms`);
  }
  const [withIndexes, withoutIndexes] = measured;
  const queries = kinds.map((kind, i) => ({
    label: kind.label,
    found: withIndexes?.queries?.[i]?.found ?? "",
    withMs: withIndexes?.queries?.[i]?.ms ?? Number.NaN,
    withoutMs: withoutIndexes?.queries?.[i]?.ms ?? Number.NaN,
  }));
  for (const page of withIndexes?.pages ?? []) log(`    page ${page.label.padEnd(43)} ${String(page.status).padEnd(18)} ${page.ms.toFixed(1).padStart(8)} ms`);
  return { rows, writes: measured.map((item) => item.write), queries, pages: withIndexes?.pages ?? [], sizes: withIndexes?.sizes ?? [], minutes: (Date.now() - started) / 60_000 };
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

export function viewerWritesTable(bench: ViewerBench): string {
  const base = bench.writes.find((write) => write.indexes.length === 0);
  const lines = [
    `| store (${count(bench.rows)} rows in one run) | write wall s | write CPU s | CPU vs none | ${APPEND_ROWS} more rows, ms | file MB |`,
    "|---|--:|--:|--:|--:|--:|",
  ];
  for (const write of bench.writes) {
    const extra = base && write !== base ? `${write.insertCpuS >= base.insertCpuS ? "+" : ""}${fixed((write.insertCpuS / base.insertCpuS - 1) * 100, 0)}%` : "";
    lines.push(`| ${write.label} | ${fixed(write.insertWallS, 1)} | ${fixed(write.insertCpuS, 1)} | ${extra} | ${fixed(write.appendMs, 0)} | ${fixed(write.fileMb, 0)} |`);
  }
  return lines.join("\n");
}

export function viewerQueriesTable(bench: ViewerBench): string {
  const lines = [`| query (pages of ${PAGE} rows) | found | ms, 000008's indexes | ms, without them |`, "|---|--:|--:|--:|"];
  for (const query of bench.queries) lines.push(`| ${query.label.replace(/\|/g, "\\|")} | ${query.found} | ${fixed(query.withMs, 1)} | ${fixed(query.withoutMs, 1)} |`);
  return lines.join("\n");
}

export function viewerSizesLine(bench: ViewerBench): string {
  return bench.sizes.map((size) => `${size.name} ${fixed(size.mb, 0)} MB`).join(", ");
}

/** The generated part of BENCHMARKS.md's viewer section: how it was measured, then the tables. */
export function viewerSection(bench: ViewerBench, runLine: string): string {
  return `\`npm run bench\` (\`-- --sources viewer\` alone; \`--viewer-rows N\` for another size), bench/report-queries.ts. One SQLite
store per line of the first table, each holding one run of ${count(bench.rows)} report rows written as a first sync writes them
(bench/report-store.ts: store.recordResults in chunks of 5,000 rows with their contact state; names, ids and numbers
from bench/source/contacts.ts; 86% inserted, the rest updated, warning, skipped, invalid, deleted, duplicate, error,
rejected), plus three small runs that touch the first 1,000 contacts again. "write" is the time spent in recordResults
for the big run; "${APPEND_ROWS} more rows" is one more recordResults call of a sync's chunk at the end of that run. The
second table times each query kind through the Store (median of ${REPEATS} calls after one untimed call) on the store
with migration 000008's indexes and on the one without them. A search counts its matches up to ${count(SEARCH_COUNT_CAP)}
("+": \`totalIsLowerBound\`).

${runLine}

${viewerWritesTable(bench)}

${viewerQueriesTable(bench)}

The same store served by the viewer (bench/viewer-pages.ts: createViewerApp on 127.0.0.1, each page fetched whole, median
of 5 after one untimed request):

${viewerPagesTable(bench.pages, bench.rows)}

Sizes in the store with every index: ${viewerSizesLine(bench)}.`;
}
