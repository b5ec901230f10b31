// `phonebook-sync reports list|show|export`: read the runs and per-contact results the syncs recorded.
import { Command } from "commander";
import { SyncError } from "../errors.js";
import { CSV_DELIMITERS, EXPORT_FORMATS, type CsvDelimiter } from "../store/export.js";
import type { Store } from "../store/index.js";
import { DEFAULT_SQLITE_FILE, OUTCOMES, type Outcome } from "../store/types.js";
import { action } from "./exit.js";
import type { ReportSource } from "./reports-store.js";

export type { ReportSource };

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

// The work lives in reports-action.ts (and the store behind it), loaded on the first call: the commands'
// definitions and the parsers above stay light for --help and for the viewer, which imports parseDelimiter.

/** Opens the store for reading: never creates an empty SQLite file where no sync has written one. */
export async function openReportStore(source: ReportSource): Promise<Store> {
  return (await import("./reports-store.js")).openReportStore(source);
}

/** `reports list`: recent runs as a table or JSON. */
export async function runReportsList(options: ListOptions, out: NodeJS.WritableStream): Promise<void> {
  return (await import("./reports-action.js")).runReportsList(options, out);
}

/** `reports show`: one run's header and counts, then its contact lines. */
export async function runReportsShow(options: ShowOptions, out: NodeJS.WritableStream): Promise<void> {
  return (await import("./reports-action.js")).runReportsShow(options, out);
}

/** `reports export`: every contact line of a run as CSV, JSON or NDJSON; returns how many were written. */
export async function runReportsExport(options: ExportOptions, out: NodeJS.WritableStream): Promise<number> {
  return (await import("./reports-action.js")).runReportsExport(options, out);
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
