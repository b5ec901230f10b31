// The CSV connector: streams a delimited text file (Excel, Outlook, Google, CRM exports) as source records.
import type { ReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { SyncError } from "../src/errors.js";
import { silentLogger } from "../src/logger.js";
import { CSV_ENCODINGS, CsvDecodeError, decodeBytes } from "./csv-decode.js";
import { columnNames } from "./csv-header.js";
import { CsvHeaderError, CsvRowReader, MAX_RECORD_CHARS, type CsvDialect, type CsvRow, type RowProblem } from "./csv-rows.js";
import { putField } from "./fields.js";
import { defineConnector, statelessHandle, type CheckResult, type ConnectorContext, type SourceItem } from "./types.js";

/** Spellings people copy from other tools, mapped to ours. */
const ENCODING_ALIASES: Readonly<Record<string, string>> = {
  utf8: "utf-8",
  cp1252: "windows-1252",
  utf16le: "utf-16le",
  utf16be: "utf-16be",
};

const encoding = z.preprocess(
  (value) => (typeof value === "string" ? (ENCODING_ALIASES[value.toLowerCase()] ?? value.toLowerCase()) : value),
  z.enum(CSV_ENCODINGS, { message: `use one of ${CSV_ENCODINGS.join(", ")}` }),
);

const delimiter = z.preprocess(
  (value) => (value === "tab" ? "\t" : value),
  z.enum(["auto", ",", ";", "\t", "|"], { message: 'use "auto", ",", ";", "\\t" (or "tab") or "|"' }),
);

export const csvConfigSchema = z
  .strictObject({
    type: z.literal("csv"),
    /** The file, relative to the configuration file's directory. */
    path: z.string({ message: "give the path of the CSV file" }).trim().min(1, { message: "give the path of the CSV file" }),
    delimiter: delimiter.default("auto"),
    encoding: encoding.default("utf-8"),
    quote: z
      .string()
      .length(1, { message: "the quote must be exactly one character" })
      .refine((q) => q !== "\r" && q !== "\n", { message: "the quote cannot be a line break" })
      .default('"'),
    header: z.literal(true, { message: "only files with a header row are read: the first row must name the columns" }).default(true),
    skipEmptyLines: z.boolean().default(true),
    trimHeaders: z.boolean().default(true),
  })
  .refine((config) => config.quote !== config.delimiter, { message: "the quote and the delimiter must differ", path: ["quote"] });

export type CsvConfig = z.infer<typeof csvConfigSchema>;

export const csvConnector = defineConnector<CsvConfig>({
  type: "csv",
  configSchema: csvConfigSchema,
  // The file is opened afresh by each call: nothing to hold between check and read.
  open: (config, ctx) => Promise.resolve(statelessHandle(ctx, { check: (c) => checkCsv(config, c), read: (c) => readCsv(config, c) })),
});

/** Opens the file and reads just enough to return the header's column names. */
async function checkCsv(config: CsvConfig, ctx: ConnectorContext): Promise<CheckResult> {
  // Leaving the loop closes the file: nothing past the header is read.
  for await (const row of csvRows(config, ctx)) {
    if (!isBlank(row)) return { columns: headerOf(row, config).names };
  }
  throw emptyFile(config.path);
}

async function* readCsv(config: CsvConfig, ctx: ConnectorContext): AsyncGenerator<SourceItem> {
  const logger = (ctx.logger ?? silentLogger).child({ source: "csv", file: config.path });
  const hooks: RowHooks = {
    onDialect: (dialect) => logger.debug({ delimiter: dialect.delimiter, newline: JSON.stringify(dialect.newline) }, "csv dialect"),
    onBomOverride: (found) =>
      logger.warn(`${config.path}: the file starts with a ${found} byte-order mark; read as ${found}, not ${config.encoding}`),
  };
  let header: string[] | undefined;
  for await (const row of csvRows(config, ctx, hooks)) {
    if (header) {
      yield toItem(row, header, config.path);
      continue;
    }
    if (isBlank(row)) continue;
    const columns = headerOf(row, config);
    for (const sentence of columns.renamed) logger.warn(`${config.path}:${row.line}: ${sentence}`);
    header = columns.names;
  }
  if (!header) throw emptyFile(config.path);
}

interface RowHooks {
  onDialect?: (dialect: CsvDialect) => void;
  onBomOverride?: (found: string) => void;
}

/** Every row of the file, header first. Throws SOURCE_NOT_FOUND before reading, SOURCE_READ_FAILED during. */
async function* csvRows(config: CsvConfig, ctx: ConnectorContext, hooks: RowHooks = {}): AsyncGenerator<CsvRow> {
  const name = config.path;
  const handle = await openSource(path.resolve(ctx.baseDir, name), name);
  const stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
  const reader = new CsvRowReader({
    delimiter: config.delimiter,
    quote: config.quote,
    skipEmptyLines: config.skipEmptyLines,
    ...(hooks.onDialect ? { onDialect: hooks.onDialect } : {}),
  });
  const text = decodeBytes(stream, { encoding: config.encoding, ...(hooks.onBomOverride ? { onBomOverride: hooks.onBomOverride } : {}) });
  try {
    for await (const row of reader.read(text)) {
      if (ctx.signal?.aborted) {
        throw new SyncError("SOURCE_READ_FAILED", `${name}:${row.line}: reading was cancelled`, { file: name, line: row.line });
      }
      yield row;
    }
  } catch (err) {
    throw readFailed(err, name, reader.lineReached);
  } finally {
    await closeStream(stream);
  }
}

/** Destroys the stream and waits until its file is closed, so check() leaves no descriptor behind. */
async function closeStream(stream: ReadStream): Promise<void> {
  if (stream.closed) return;
  await new Promise<void>((resolve) => {
    stream.once("close", () => resolve());
    stream.destroy();
  });
}

async function openSource(fullPath: string, name: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(fullPath, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : code === "EACCES" || code === "EPERM" ? "not readable (permission denied)" : `not readable (${code ?? String(err)})`;
    throw new SyncError("SOURCE_NOT_FOUND", `CSV file ${name} ${why} (looked at ${fullPath})`, { file: name, cause: err });
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new SyncError("SOURCE_NOT_FOUND", `CSV file ${name} is not a file but a ${stats.isDirectory() ? "directory" : "special file"} (${fullPath})`, {
      file: name,
    });
  }
  return handle;
}

/** The header row as column names; a header we cannot trust stops everything, since every record hangs on it. */
function headerOf(row: CsvRow, config: CsvConfig): ReturnType<typeof columnNames> {
  const name = config.path;
  if (row.problem) {
    throw new SyncError("SOURCE_CSV_PARSE", `${name}:${row.line}: the header row is malformed: ${describeProblem(row.problem, [])}`, {
      file: name,
      line: row.line,
    });
  }
  if (row.fields.some((field) => field.includes("\u0000"))) {
    throw new SyncError("SOURCE_CSV_PARSE", `${name}:${row.line}: the header holds NUL characters`, {
      file: name,
      line: row.line,
      hint: "The file is probably UTF-16 without a byte-order mark: set encoding: utf-16le in the source config.",
    });
  }
  return columnNames(row.fields, config.trimHeaders);
}

/** Blank lines before the header are skipped even with skipEmptyLines off: the header is the first line with text. */
function isBlank(row: CsvRow): boolean {
  return !row.problem && row.fields.every((field) => field.trim() === "");
}

function toItem(row: CsvRow, header: readonly string[], name: string): SourceItem {
  const ref = `line ${row.line}`;
  // Broken rows are one line each (the reader re-reads what a bad quote swallowed), so what was read of
  // them goes along: the sync recognises the contact in it and never takes it for vanished.
  const seen = row.fields.length > 0 ? { fields: byColumn(header, row.fields) } : {};
  if (row.problem) return { kind: "problem", ref, code: "SOURCE_CSV_PARSE", message: `${name}:${row.line}: ${describeProblem(row.problem, header)}`, ...seen };
  if (row.fields.length !== header.length) {
    // A short row is not padded: its values would sit under the wrong columns and reach the PBX that way.
    const count = `${row.fields.length} field${row.fields.length === 1 ? "" : "s"}`;
    return { kind: "problem", ref, code: "SOURCE_CSV_PARSE", message: `${name}:${row.line}: row has ${count}, the header has ${header.length}`, ...seen };
  }
  return { kind: "record", ref, fields: byColumn(header, row.fields) };
}

/** A row's values under the header's names; of a longer row, the extra values go under "#17", "#18"... */
function byColumn(header: readonly string[], fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) putField(record, header[i] ?? "", fields[i] ?? "");
  for (let i = header.length; i < fields.length; i++) putField(record, `#${i + 1}`, fields[i] ?? "");
  return record;
}

function describeProblem(problem: RowProblem, header: readonly string[]): string {
  const field = (index: number) => (header[index] === undefined ? `column ${index + 1}` : `field "${header[index]}"`);
  switch (problem.kind) {
    case "unclosed-quote":
      return `unclosed quote in ${field(problem.field)}`;
    case "stray-quote":
      return `stray quote in ${field(problem.field)}: a quoted value must end with the quote right before the delimiter or the line end (write "" for a quote inside it)`;
    case "too-long":
      return problem.field === undefined
        ? `the record runs past ${MAX_RECORD_CHARS} characters without ending: check the delimiter and the line endings`
        : `unclosed quote in ${field(problem.field)}: the record runs past ${MAX_RECORD_CHARS} characters without ending`;
  }
}

function emptyFile(name: string): SyncError {
  return new SyncError("SOURCE_CSV_PARSE", `${name}: the file is empty: a CSV source needs a header row naming the columns`, { file: name });
}

/** Any failure while reading: the caller must know the read is incomplete, so it never ends quietly. */
function readFailed(err: unknown, name: string, lineReached: number): SyncError {
  if (err instanceof SyncError) return err;
  if (err instanceof CsvHeaderError) {
    return new SyncError("SOURCE_CSV_PARSE", `${name}: ${err.message}: check the quotes and the line endings`, { file: name });
  }
  if (err instanceof CsvDecodeError) {
    // decodeBytes handed on the text before the bad bytes, so the line reached is the bad bytes' line.
    return new SyncError("SOURCE_READ_FAILED", `${name}:${lineReached}: ${err.message}; reading stopped there`, {
      file: name,
      line: lineReached,
      cause: err,
      hint: 'Set encoding in the source config to the file\'s real encoding (Excel\'s "CSV" is windows-1252 on Western Windows; see docs/csv.md). No deletions were made.',
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError("SOURCE_READ_FAILED", `${name}: reading failed after line ${lineReached}: ${message}`, { file: name, line: lineReached, cause: err });
}
