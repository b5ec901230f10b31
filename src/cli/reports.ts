// `phonebook-sync reports list|show|export`: read the runs and per-contact results the syncs recorded.
import { describeChanges } from "../store/detail.js";
import { COUNT_LABELS } from "./count-labels.js";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { loadStoreConfig } from "../config/load-store.js";
import { SyncError } from "../errors.js";
import {
  CSV_DELIMITERS,
  DEFAULT_SQLITE_FILE,
  EXPORT_FORMATS,
  OUTCOMES,
  openStore,
  toExportRecord,
  writeExport,
  type ContactResultRow,
  type CsvDelimiter,
  type ExportFormat,
  type Outcome,
  type RunCounts,
  type RunRow,
  type Store,
} from "../store/index.js";
import { action } from "./exit.js";
import { formatDuration, formatLocalTime, renderTable, type TableColumn } from "./table.js";

/** Where the reports are: a configuration file's store, or an SQLite file (default ./data/phonebook-sync.sqlite). */
export interface ReportSource {
  config?: string;
  store?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ListOptions extends ReportSource {
  job?: string;
  limit?: number;
  json?: boolean;
  /** Widest table line; default the terminal's width. */
  width?: number | null;
}

export interface ShowOptions extends ReportSource {
  /** A run id, or "latest" (of `job` when given). */
  run: string;
  job?: string;
  /** Comma-separated outcomes, e.g. "warning,error". */
  outcome?: string;
  limit?: number;
  json?: boolean;
  width?: number | null;
}

export interface ExportOptions extends ReportSource {
  run: string;
  job?: string;
  /** csv, json or ndjson. */
  format?: string;
  outcome?: string;
  /** A file to write; default the `out` stream. */
  output?: string;
  /** Default: on when the CSV goes to a `.csv` file (Excel reads its accents right), else off. */
  bom?: boolean;
  /** CSV cell separator: ",", ";" or "tab". */
  delimiter?: string;
}

/** Opens the store for reading: never creates an empty SQLite file where no sync has written one. */
export async function openReportStore(source: ReportSource): Promise<Store> {
  if (source.config !== undefined && source.store !== undefined) {
    throw new SyncError("USAGE", "give either --config or --store, not both");
  }
  if (source.config !== undefined) {
    // Only the store section: reading reports never needs the PBX token or a source's credentials.
    const config = await loadStoreConfig(source.config, source.env === undefined ? {} : { env: source.env });
    return openStore(config.store, { baseDir: config.baseDir, mustExist: true });
  }
  return openStore({ client: "sqlite", filename: path.resolve(source.store ?? DEFAULT_SQLITE_FILE) }, { mustExist: true });
}

/** --delimiter: "," ";" or "tab" (also "\t"); a usage error names them. */
export function parseDelimiter(value: string | undefined): CsvDelimiter {
  if (value === undefined) return ",";
  const delimiter = value === "tab" || value === "\\t" ? "\t" : value;
  if ((CSV_DELIMITERS as readonly string[]).includes(delimiter)) return delimiter as CsvDelimiter;
  throw new SyncError("USAGE", `invalid --delimiter ${JSON.stringify(value)}: use "," (the default), ";" (Excel in Italy, Germany, France) or tab`);
}

/** "warning,error" -> the outcomes, checked against the known ones. */
export function parseOutcomes(list: string | undefined): Outcome[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "");
  const known: ReadonlySet<string> = new Set(OUTCOMES);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new SyncError("USAGE", `unknown outcome ${unknown.map((name) => `"${name}"`).join(", ") || `"${list}"`} in --outcome: use a comma list of ${OUTCOMES.join(", ")}`);
  }
  return [...new Set(names)] as Outcome[];
}

/** --limit: a whole number from 1. */
export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(limit) || limit < 1) {
    throw new SyncError("USAGE", `invalid --limit ${JSON.stringify(value)}: use a whole number from 1`);
  }
  return limit;
}

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

/** Options as commander hands them over: numbers still text, checked here so a bad one exits 2 like any usage error. */
type Flags<T> = Omit<T, "run" | "env" | "limit" | "width"> & { limit?: string };

function withLimit<T extends { limit?: string }>(flags: T): Omit<T, "limit"> & { limit?: number } {
  const { limit, ...rest } = flags;
  return limit === undefined ? rest : { ...rest, limit: parseLimit(limit) };
}

/** `reports export ... | head` closes the pipe early: that is the reader's choice, not an error. */
function isClosedPipe(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "EPIPE";
}

function addStoreOptions(command: Command): Command {
  return command
    .option("-c, --config <file>", "configuration file: read the reports from its store")
    .option("--store <file>", `SQLite report file (default ${DEFAULT_SQLITE_FILE})`);
}

export function reportsCommand(): Command {
  const reports = new Command("reports").description("Read the reports of past runs: what happened to each contact, and why.");

  const list = new Command("list")
    .description("List recent runs, newest first.")
    .option("-j, --job <name>", "only runs of this job")
    .option("-n, --limit <n>", "how many runs (default 20)")
    .option("--json", "print JSON instead of a table");
  reports.addCommand(addStoreOptions(list).action(action(async (flags: Flags<ListOptions>) => runReportsList(withLimit(flags), process.stdout))));

  const show = new Command("show")
    .description("Show one run: its header and counts, then one line per contact that was not unchanged.")
    .argument("<run>", 'run id, or "latest"')
    .option("-j, --job <name>", 'with "latest": the latest run of this job')
    .option("-o, --outcome <list>", `only these outcomes, comma-separated (${OUTCOMES.join(", ")})`)
    .option("-n, --limit <n>", "how many contact lines (default 100)")
    .option("--json", "print JSON instead of text");
  reports.addCommand(
    addStoreOptions(show).action(action(async (run: string, flags: Flags<ShowOptions>) => runReportsShow({ ...withLimit(flags), run }, process.stdout))),
  );

  const exporter = new Command("export")
    .description("Export every contact line of a run as CSV, JSON or NDJSON (streamed; fine for large runs).")
    .argument("<run>", 'run id, or "latest"')
    .option("-f, --format <format>", `output format: ${EXPORT_FORMATS.join(", ")}`)
    .option("--output <file>", "write to this file (default: standard output)")
    .option("-j, --job <name>", 'with "latest": the latest run of this job')
    .option("-o, --outcome <list>", "only these outcomes, comma-separated")
    .option("--delimiter <char>", 'CSV cell separator: "," (default), ";" (Excel in Italy, Germany, France) or tab')
    .option("--bom", "CSV: start with a UTF-8 byte order mark, for Excel (default when --output names a .csv file)")
    .option("--no-bom", "CSV: no byte order mark, even in a .csv file");
  reports.addCommand(
    addStoreOptions(exporter).action(
      action(async (run: string, flags: Flags<ExportOptions>) => {
        try {
          await runReportsExport({ ...flags, run }, process.stdout);
        } catch (err) {
          if (!isClosedPipe(err)) throw err;
        }
      }),
    ),
  );
  return reports;
}
