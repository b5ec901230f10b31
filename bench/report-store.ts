// A report store for the viewer's benchmarks: one run of N report rows (1,000,000 by default) written through
// store.recordResults as a first sync writes them, with the contact state, plus a few small runs for history.
import { performance } from "node:perf_hooks";
import { COUNT_KEYS, openStore, type ContactResultInput, type RunCounts, type Outcome, type SentContact, type SqlStore, type StateUpsert } from "../src/store/index.js";
import { REPORT_INDEXES } from "../src/store/migrations/000008_report_indexes.js";
import { companiesFor, contactAt, externalIdOf } from "./source/contacts.js";
import { hash32 } from "./source/random.js";

export const REPORT_APP = "BENCH";
export const REPORT_JOB = "bench-viewer";
/** The contact state's scope: one PBX (a made-up key) and the app name. */
export const REPORT_SCOPE = { pbxKey: "0123456789abcdef0123456789abcdef01234567", appName: REPORT_APP } as const;
/** The main run's size by default: the viewer must stay fast on a run this large. */
export const REPORT_ROWS = 1_000_000;
/**
 * Rows per recordResults call. A sync sends 500, but each call pays a lookup of every row the run holds already
 * (the run-row lock in src/store/results.ts, see BENCHMARKS.md): ten times fewer calls keep a build to about a minute.
 */
const CHUNK = 5_000;
/** Later small runs that touch the first contacts again, so their history has more than one row. */
const LATER_RUNS = 3;
const LATER_RUN_ROWS = 1_000;

/** Outcomes of the big run, in per mille: mostly inserted, as in a first sync of a large CRM. */
const OUTCOME_MIX: ReadonlyArray<readonly [Outcome, number]> = [
  ["inserted", 860],
  ["updated", 40],
  ["warning", 40],
  ["skipped", 20],
  ["invalid", 15],
  ["deleted", 15],
  ["duplicate", 5],
  ["error", 3],
  ["rejected", 2],
];

const INFO: Partial<Record<Outcome, string>> = {
  warning: "numhome: not a valid number for IT, kept as digits",
  skipped: "skipped by the mapping: no phone number",
  invalid: "email: not a valid e-mail address",
  duplicate: "same uc_external_id as line 12 (kept the first)",
  error: "PBX answered: contact not saved (code 17)",
  rejected: "PBX rejected the contact: name too long",
};

export interface ReportStoreOptions {
  /** Report rows in the main run (default REPORT_ROWS). */
  rows?: number;
  /**
   * Which of migration 000008's indexes are there while writing (default all): the others are dropped first, to
   * measure what each costs the writes and buys the queries.
   */
  viewerIndexes?: readonly string[];
}

export interface ReportStore {
  file: string;
  /** The run of `rows` rows. */
  runId: number;
  rows: number;
  /** Time spent in recordResults for the main run (its report rows and contact state). */
  insert: WriteTime;
  /** Migration 000008's indexes that were there while writing. */
  viewerIndexes: readonly string[];
}

export function outcomeOf(row: number): Outcome {
  let slot = hash32(row, 8101) % 1000;
  for (const [outcome, share] of OUTCOME_MIX) {
    if (slot < share) return outcome;
    slot -= share;
  }
  return "inserted";
}

/** The contact of source row `row` as the PBX was sent it. */
export function sentContact(row: number, companies: number): SentContact {
  const contact = contactAt(row, companies);
  const sent: SentContact = { name: contact.first, surname: contact.last, company: contact.company, numoffice: contact.phone.expected, nummobile: contact.mobile.expected };
  if (contact.home) sent.numhome = contact.home.expected;
  if (contact.fax) sent.numfax = contact.fax.expected;
  sent.email = contact.email;
  sent.ext_info = [
    { caption: "Credit limit", value: contact.credit },
    { caption: "Last order", value: contact.lastOrder },
    { caption: "Sales agent", value: contact.agent },
  ];
  return sent;
}

export function displayNameOf(sent: SentContact): string {
  return `${sent.name ?? ""} ${sent.surname ?? ""} (${sent.company ?? ""})`;
}

/** Report row `row` (from 1) of a run, and the state upsert a confirmed push comes with. */
export function reportRow(row: number, companies: number, outcome: Outcome = outcomeOf(row)): { result: ContactResultInput; upsert?: StateUpsert } {
  const sent = sentContact(row, companies);
  const externalId = externalIdOf(row);
  const pushed = outcome === "inserted" || outcome === "updated" || outcome === "warning";
  const pbxId = pushed || outcome === "deleted" ? String(100_000 + row) : null;
  const result: ContactResultInput = {
    ref: `line ${row + 1}`,
    appName: REPORT_APP,
    externalId,
    displayName: displayNameOf(sent),
    outcome,
    action: outcome === "inserted" || outcome === "warning" ? "insert" : outcome === "updated" ? "update" : outcome === "deleted" ? "delete" : null,
    pbxId,
    info: INFO[outcome] ?? null,
    detail: outcome === "skipped" || outcome === "invalid" ? null : outcome === "updated" ? { sent, before: { nummobile: "+393331234567" } } : { sent },
  };
  if (!pushed) return { result };
  const hash = hash32(row, 8202).toString(16).padStart(8, "0").repeat(5);
  return { result, upsert: { externalId, pbxId, contactHash: hash, sourceHash: hash, displayName: result.displayName ?? null, sent } };
}

/** Wall and CPU seconds spent in recordResults (the rows are made outside the clock). */
export interface WriteTime {
  wallS: number;
  cpuS: number;
}

async function writeRun(store: SqlStore, runId: number, rows: number, rowAt: (i: number) => ReturnType<typeof reportRow>): Promise<WriteTime> {
  const scope = REPORT_SCOPE;
  const time: WriteTime = { wallS: 0, cpuS: 0 };
  for (let from = 1; from <= rows; from += CHUNK) {
    const results: ContactResultInput[] = [];
    const upserts: StateUpsert[] = [];
    for (let i = from; i < Math.min(from + CHUNK, rows + 1); i++) {
      const { result, upsert } = rowAt(i);
      results.push(result);
      if (upsert) upserts.push(upsert);
    }
    const wall = performance.now();
    const cpu = process.cpuUsage();
    await store.recordResults(runId, results, { scope, upserts });
    const used = process.cpuUsage(cpu);
    time.wallS += (performance.now() - wall) / 1000;
    time.cpuS += (used.user + used.system) / 1e6;
  }
  return time;
}

/**
 * Writes a new SQLite store at `file` (which must not exist): the run of `rows` report rows, then LATER_RUNS small
 * runs updating the first contacts again. For the viewer's query benchmark, and for its HTTP pages' benchmark.
 */
export async function buildReportStore(file: string, options: ReportStoreOptions = {}): Promise<ReportStore> {
  const rows = options.rows ?? REPORT_ROWS;
  const viewerIndexes = options.viewerIndexes ?? REPORT_INDEXES.map((index) => index.name);
  const companies = companiesFor(rows);
  const store = await openStore({ client: "sqlite", filename: file });
  try {
    for (const index of REPORT_INDEXES) if (!viewerIndexes.includes(index.name)) await store.knex.schema.alterTable(index.table, (table) => table.dropIndex([], index.name));
    const runId = await store.createRun({ job: REPORT_JOB, appName: REPORT_APP, trigger: "cli", pbx: "https://pbx.example.com/PBX/seri_endpoint.php", fullReason: "first sync" });
    const insert = await writeRun(store, runId, rows, (i) => reportRow(i, companies));
    await store.finishRun(runId, { status: "partial", counts: { ...zeroCounts(), read: rows } });
    for (let later = 1; later <= LATER_RUNS; later++) {
      const job = later === LATER_RUNS ? `${REPORT_JOB}-other` : REPORT_JOB;
      const laterId = await store.createRun({ job, appName: REPORT_APP, trigger: "schedule", pbx: "https://pbx.example.com/PBX/seri_endpoint.php" });
      await writeRun(store, laterId, Math.min(LATER_RUN_ROWS, rows), (i) => reportRow(i, companies, "updated"));
      await store.finishRun(laterId, { status: "success", counts: zeroCounts() });
    }
    return { file, runId, rows, insert, viewerIndexes };
  } finally {
    await store.close();
  }
}

function zeroCounts(): RunCounts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;
}

export { REPORT_INDEXES };
