// The work behind `phonebook-sync reports list|show|export`, loaded only when one runs: --help never loads it.
import { createWriteStream } from "node:fs";
import path from "node:path";
import { SyncError } from "../errors.js";
import { describeChanges } from "../store/detail.js";
import {
  EXPORT_FORMATS,
  OUTCOMES,
  toExportRecord,
  writeExport,
  type ContactResultRow,
  type ExportFormat,
  type RunCounts,
  type RunRow,
  type Store,
} from "../store/index.js";
import { COUNT_LABELS } from "./count-labels.js";
import { parseDelimiter, parseOutcomes, type ExportOptions, type ListOptions, type ShowOptions } from "./reports.js";
import { openReportStore } from "./reports-store.js";
import { formatDuration, formatLocalTime, renderTable, type TableColumn } from "./table.js";

async function findRun(store: Store, run: string, job: string | undefined): Promise<RunRow> {
  if (run === "latest") {
    const latest = await store.latestRun(job);
    if (!latest) throw new SyncError("RUN_NOT_FOUND", job === undefined ? `no runs yet in ${store.location}` : `no runs of job "${job}" yet in ${store.location}`);
    return latest;
  }
  if (!/^\d+$/.test(run)) throw new SyncError("USAGE", `invalid run ${JSON.stringify(run)}: give a run id (a number) or "latest"`);
  const found = await store.getRun(Number(run));
  if (!found) throw new SyncError("RUN_NOT_FOUND", `run ${run} is not in ${store.location}`);
  return found;
}

function runDuration(run: RunRow): string {
  return run.endedAt ? formatDuration(run.endedAt.getTime() - run.startedAt.getTime()) : run.status === "running" ? "running" : "";
}

/** Contacts that did not reach the PBX: the counts that make a run "partial". */
function lost(counts: RunCounts): number {
  return counts.invalid + counts.duplicates + counts.rejected + counts.errors + counts.unconfirmed;
}

function runJson(run: RunRow): Record<string, unknown> {
  return { ...run, startedAt: run.startedAt.toISOString(), endedAt: run.endedAt?.toISOString() ?? null };
}

const LIST_COLUMNS: TableColumn[] = [
  { header: "run", align: "right" },
  { header: "job", maxWidth: 24 },
  { header: "trigger" },
  { header: "status" },
  { header: "started", minWidth: 19 },
  { header: "duration", align: "right" },
  ...["read", "ins", "upd", "unchanged", "skipped", "warn", "err", "deleted"].map((header): TableColumn => ({ header, align: "right" })),
];

export async function runReportsList(options: ListOptions, out: NodeJS.WritableStream): Promise<void> {
  const store = await openReportStore(options);
  try {
    const runs = await store.listRuns({ ...(options.job === undefined ? {} : { job: options.job }), limit: options.limit ?? 20 });
    if (options.json) {
      out.write(`${JSON.stringify(runs.map(runJson), null, 2)}\n`);
      return;
    }
    if (runs.length === 0) {
      out.write(options.job === undefined ? `No runs yet in ${store.location}.\n` : `No runs of job "${options.job}" in ${store.location}.\n`);
      return;
    }
    const rows = runs.map((run) => {
      const c = run.counts;
      const status = run.dryRun ? `${run.status} (dry)` : run.status;
      return [run.id, run.job, run.trigger, status, formatLocalTime(run.startedAt), runDuration(run), c.read, c.inserted, c.updated, c.unchanged, c.skipped, c.warnings, lost(c), c.deleted].map(String);
    });
    out.write(renderTable(LIST_COLUMNS, rows, options.width === undefined ? {} : { width: options.width }));
  } finally {
    await store.close();
  }
}

/** The run's header block: who, where, when, how it ended, and every count. */
export function renderRunHeader(run: RunRow): string {
  const ended = run.endedAt ? `${formatLocalTime(run.endedAt)} (${runDuration(run)})` : run.status === "running" ? "(still running, or killed)" : "";
  const fields: Array<[string, string]> = [
    ["job", run.job],
    ["uc_app_name", run.appName],
    ["PBX", run.pbx],
    ["status", `${run.status}${run.dryRun ? " (dry run)" : ""}`],
    ["trigger", run.scheduledFor ? `${run.trigger} (slot ${run.scheduledFor})` : run.trigger],
    ["started", formatLocalTime(run.startedAt)],
    ["ended", ended],
  ];
  if (run.fullReason) fields.push(["full run", run.fullReason]);
  if (run.host) fields.push(["host", run.pid === null ? run.host : `${run.host} (pid ${run.pid})`]);
  const width = Math.max(...fields.map(([label]) => label.length), ...COUNT_LABELS.map(([, label]) => label.length));
  const lines = [`Run ${run.id}`];
  for (const [label, value] of fields) lines.push(`  ${label.padEnd(width)}  ${value}`);
  lines.push("  counts:");
  for (const [key, label] of COUNT_LABELS) lines.push(`    ${label.padEnd(width)}  ${String(run.counts[key]).padStart(7)}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  return `${lines.join("\n")}\n`;
}

const RESULT_COLUMNS: TableColumn[] = [
  { header: "ref", maxWidth: 20 },
  { header: "external id", maxWidth: 24 },
  { header: "name", maxWidth: 40 },
  { header: "outcome" },
  { header: "pbx id", align: "right", maxWidth: 12 },
  { header: "info", maxWidth: 120 },
];

/** A row's info, and for an update the fields it changed. */
function infoOf(row: ContactResultRow): string {
  return [row.info ?? "", ...describeChanges(row.detail)].filter((part) => part !== "").join("; ");
}

export async function runReportsShow(options: ShowOptions, out: NodeJS.WritableStream): Promise<void> {
  const outcomes = parseOutcomes(options.outcome);
  const limit = options.limit ?? 100;
  const store = await openReportStore(options);
  try {
    const run = await findRun(store, options.run, options.job);
    const byOutcome = await store.countResults(run.id);
    const matching = (outcomes ?? OUTCOMES).reduce((sum, outcome) => sum + byOutcome[outcome], 0);
    const rows: ContactResultRow[] = [];
    for await (const row of store.results(run.id, { ...(outcomes ? { outcomes } : {}), limit })) rows.push(row);
    const more = matching - rows.length;
    if (options.json) {
      const json = { run: runJson(run), results: byOutcome, rows: rows.map(toExportRecord), more };
      out.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    out.write(renderRunHeader(run));
    const filter = outcomes ? ` (${outcomes.join(", ")})` : "";
    out.write(`\nContacts${filter}: ${matching}\n`);
    if (rows.length === 0) {
      out.write(outcomes ? "  none with these outcomes\n" : "  none recorded (unchanged contacts are only counted)\n");
      return;
    }
    const cells = rows.map((row) => [row.ref ?? "", row.externalId ?? "", row.displayName ?? "", row.outcome, row.pbxId ?? "", infoOf(row)]);
    out.write(renderTable(RESULT_COLUMNS, cells, options.width === undefined ? {} : { width: options.width }));
    if (more > 0) out.write(`... and ${more} more (use --limit or reports export)\n`);
  } finally {
    await store.close();
  }
}

export async function runReportsExport(options: ExportOptions, out: NodeJS.WritableStream): Promise<number> {
  const format = options.format?.toLowerCase() as ExportFormat | undefined;
  if (format === undefined || !EXPORT_FORMATS.includes(format)) {
    const given = options.format === undefined ? "--format is required" : `invalid --format ${JSON.stringify(options.format)}`;
    throw new SyncError("USAGE", `${given}: use ${EXPORT_FORMATS.join(", ")}`);
  }
  const outcomes = parseOutcomes(options.outcome);
  const store = await openReportStore(options);
  try {
    const run = await findRun(store, options.run, options.job);
    const rows = store.results(run.id, outcomes ? { outcomes } : {});
    const toCsvFile = options.output !== undefined && /\.csv$/i.test(options.output);
    const settings = { format, bom: options.bom ?? toCsvFile, delimiter: parseDelimiter(options.delimiter) };
    if (options.output === undefined) return await writeExport(rows, out, settings);
    const file = path.resolve(options.output);
    try {
      return await writeExport(rows, createWriteStream(file), { ...settings, end: true });
    } catch (err) {
      if (err instanceof SyncError) throw err;
      throw new SyncError("USAGE", `cannot write the export to ${file}: ${(err as Error).message}`, { file, cause: err, hint: "Check the --output path and that its directory exists and is writable." });
    }
  } finally {
    await store.close();
  }
}
