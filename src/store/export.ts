// Writes a run's contact results as CSV (RFC 4180, spreadsheet-safe), a JSON array or NDJSON, streamed row by row.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describeChanges } from "./detail.js";
import type { ContactResultRow } from "./types.js";

export type ExportFormat = "csv" | "json" | "ndjson";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "json", "ndjson"];

/** The columns of an export, in order; JSON objects use the same names. */
export const EXPORT_COLUMNS = [
  "run_id",
  "seq",
  "ref",
  "uc_app_name",
  "uc_external_id",
  "display_name",
  "outcome",
  "action",
  "pbx_id",
  "info",
  "changes",
  "sent",
] as const;

export type ExportRecord = Record<(typeof EXPORT_COLUMNS)[number], string | number | null>;

export function toExportRecord(row: ContactResultRow): ExportRecord {
  return {
    run_id: row.runId,
    seq: row.seq,
    ref: row.ref,
    uc_app_name: row.appName,
    uc_external_id: row.externalId,
    display_name: row.displayName ?? null,
    outcome: row.outcome,
    action: row.action ?? null,
    pbx_id: row.pbxId ?? null,
    info: row.info ?? null,
    // An update's changed fields in words; the contact as sent (or, deleted, as last sent) as JSON.
    changes: describeChanges(row.detail).join("; ") || null,
    sent: row.detail?.sent ? JSON.stringify(row.detail.sent) : null,
  };
}

/** A spreadsheet reads a cell starting with one of these as a formula (or a formula's start). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell. A text that a spreadsheet would run as a formula gets a leading apostrophe, which spreadsheets
 * show as "this is text" — so "+39 02 1234" arrives as '+39 02 1234, on purpose. Cells holding a quote, a comma,
 * a line break or a neutralized formula are quoted, quotes doubled (RFC 4180).
 */
export function csvCell(value: string | number | null | undefined, delimiter: CsvDelimiter = ","): string {
  if (value == null) return "";
  if (typeof value === "number") return String(value);
  let text = value;
  let quote = false;
  if (FORMULA_START.test(text)) {
    text = `'${text}`;
    quote = true;
  }
  if (quote || /["\r\n]/.test(text) || text.includes(delimiter)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** The cell separators an export may use: "," (RFC 4180), ";" (Excel in Italy, Germany, France...), tab. */
export const CSV_DELIMITERS = [",", ";", "\t"] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** A CSV record with the RFC's CRLF line end. */
export function csvLine(values: readonly (string | number | null | undefined)[], delimiter: CsvDelimiter = ","): string {
  return `${values.map((value) => csvCell(value, delimiter)).join(delimiter)}\r\n`;
}

export interface ExportOptions {
  format: ExportFormat;
  /** CSV only: start with a UTF-8 byte order mark, which Excel needs to read accents right. */
  bom?: boolean;
  /** CSV only: the cell separator (default ","). */
  delimiter?: CsvDelimiter;
}

/** Characters gathered per chunk: one write per row would cost more than the formatting. */
const CHUNK_CHARS = 64 * 1024;

/** The export as text chunks, produced as the rows arrive; `counted` learns each row written. */
export async function* exportChunks(
  rows: AsyncIterable<ContactResultRow>,
  options: ExportOptions,
  counted: (count: number) => void = () => undefined,
): AsyncGenerator<string> {
  const { format } = options;
  const delimiter = options.delimiter ?? ",";
  let buffer = format === "csv" ? `${options.bom ? "\uFEFF" : ""}${csvLine(EXPORT_COLUMNS, delimiter)}` : format === "json" ? "[" : "";
  let count = 0;
  for await (const row of rows) {
    const record = toExportRecord(row);
    if (format === "csv") buffer += csvLine(EXPORT_COLUMNS.map((column) => record[column]), delimiter);
    else if (format === "json") buffer += `${count === 0 ? "\n" : ",\n"}${JSON.stringify(record)}`;
    else buffer += `${JSON.stringify(record)}\n`;
    counted(++count);
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = "";
    }
  }
  if (format === "json") buffer += count === 0 ? "]\n" : "\n]\n";
  if (buffer !== "") yield buffer;
}

/**
 * Streams the export into `out` with backpressure; a failing stream stops the reading of rows.
 * `end: false` leaves `out` open (stdout, a caller's stream); returns the number of rows written.
 */
export async function writeExport(
  rows: AsyncIterable<ContactResultRow>,
  out: NodeJS.WritableStream,
  options: ExportOptions & { end?: boolean },
): Promise<number> {
  let count = 0;
  await pipeline(Readable.from(exportChunks(rows, options, (n) => (count = n))), out, { end: options.end === true });
  return count;
}
