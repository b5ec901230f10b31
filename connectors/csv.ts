// The CSV connector: streams a delimited text file (Excel, Outlook, Google, CRM exports) as source records.
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { SyncError } from "../src/errors.js";
import { silentLogger, type Logger } from "../src/logger.js";
import { CSV_ENCODINGS, CsvDecodeError, decodeBytes, type CsvEncoding } from "./csv-decode.js";
import { inspectEncoding, type EncodingVerdict } from "./csv-encoding.js";
import { columnNames } from "./csv-header.js";
import { CsvHeaderError, CsvRowReader, MAX_RECORD_CHARS, type CsvDialect, type CsvRow, type RowProblem } from "./csv-rows.js";
import { hash64 } from "../src/sync/fingerprint.js";
import { putField, recordBuilder } from "./fields.js";
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
  z.enum(["auto", ...CSV_ENCODINGS], { message: `use one of auto, ${CSV_ENCODINGS.join(", ")}` }),
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
    /** "auto": a byte-order mark, else UTF-8 when every byte is valid UTF-8, else windows-1252 (with a warning). */
    encoding: encoding.default("auto"),
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

/**
 * Reads the whole file's bytes once (a chunk at a time) and throws where they are not valid in the encoding
 * the read would use, naming the line; then returns the header's column names.
 */
async function checkCsv(config: CsvConfig, ctx: ConnectorContext): Promise<CheckResult> {
  const name = config.path;
  const handle = await openSource(path.resolve(ctx.baseDir, name), name);
  try {
    const verdict = await inspect(handle, name, config.encoding, ctx.signal);
    if (verdict.invalid) throw badBytes(name, verdict.invalid.line, verdict.invalid.reason, "");
    const warnings = verdict.fallbackLine === undefined ? [] : [notUtf8(name, verdict.fallbackLine)];
    // Leaving the loop ends the read: nothing past the header is parsed.
    for await (const rows of csvRows(handle, verdict.encoding, config, ctx)) {
      const row = rows.find((candidate) => !isBlank(candidate));
      if (row) return { columns: headerOf(row, config).names, ...(warnings.length > 0 ? { warnings } : {}) };
    }
    throw emptyFile(name);
  } finally {
    await handle.close();
  }
}

async function* readCsv(config: CsvConfig, ctx: ConnectorContext): AsyncGenerator<SourceItem> {
  const logger = (ctx.logger ?? silentLogger).child({ source: "csv", file: config.path });
  const hooks: RowHooks = {
    onDialect: (dialect) => logger.debug({ delimiter: dialect.delimiter, newline: JSON.stringify(dialect.newline) }, "csv dialect"),
    onBomOverride: (found) =>
      logger.warn(`${config.path}: the file starts with a ${found} byte-order mark; read as ${found}, not ${config.encoding}`),
  };
  const name = config.path;
  const handle = await openSource(path.resolve(ctx.baseDir, name), name);
  try {
    yield* itemsOf(handle, config, ctx, logger, hooks);
  } finally {
    await handle.close();
  }
}

/** The file's records; with encoding auto, after a pass over its bytes that decides how to decode them. */
async function* itemsOf(handle: FileHandle, config: CsvConfig, ctx: ConnectorContext, logger: Logger, hooks: RowHooks): AsyncGenerator<SourceItem> {
  // An explicit encoding needs no pass of its own: a bad byte stops the read at its line (the rows before are read).
  const verdict: EncodingVerdict =
    config.encoding === "auto" ? await inspect(handle, config.path, "auto", ctx.signal) : { encoding: config.encoding };
  if (verdict.fallbackLine !== undefined) {
    const message = notUtf8(config.path, verdict.fallbackLine);
    logger.warn(message);
    yield { kind: "warning", ref: `line ${verdict.fallbackLine}`, message };
  }
  let header: string[] | undefined;
  let build: (values: readonly string[]) => Record<string, string> = () => ({});
  let seed = 0n;
  for await (const rows of csvRows(handle, verdict.encoding, config, ctx, hooks)) {
    for (const row of rows) {
      if (ctx.signal?.aborted) throw cancelled(config.path, row.line);
      if (header) {
        yield toItem(row, header, config.path, seed, build);
        continue;
      }
      if (isBlank(row)) continue;
      const columns = headerOf(row, config);
      for (const sentence of columns.renamed) logger.warn(`${config.path}:${row.line}: ${sentence}`);
      header = columns.names;
      build = recordBuilder(header);
      // A row's fields follow from its text, the header line (names and delimiter) and the quote: all in its fingerprint.
      seed = hash64(JSON.stringify([row.text ?? "", header, config.quote]));
    }
  }
  if (!header) throw emptyFile(config.path);
}

interface RowHooks {
  onDialect?: (dialect: CsvDialect) => void;
  onBomOverride?: (found: string) => void;
}

/**
 * Every row of the opened file, header first, decoded as `encoding`, the rows of a chunk together. Throws
 * SOURCE_READ_FAILED when reading fails.
 */
async function* csvRows(handle: FileHandle, encoding: CsvEncoding, config: CsvConfig, ctx: ConnectorContext, hooks: RowHooks = {}): AsyncGenerator<CsvRow[]> {
  const name = config.path;
  const reader = new CsvRowReader({
    delimiter: config.delimiter,
    quote: config.quote,
    skipEmptyLines: config.skipEmptyLines,
    ...(hooks.onDialect ? { onDialect: hooks.onDialect } : {}),
  });
  const text = decodeBytes(fileBytes(handle, name), { encoding, ...(hooks.onBomOverride ? { onBomOverride: hooks.onBomOverride } : {}) });
  try {
    for await (const rows of reader.readBatches(text)) {
      if (ctx.signal?.aborted) throw cancelled(name, rows[0]?.line ?? reader.lineReached);
      yield rows;
    }
  } catch (err) {
    throw readFailed(err, name, reader.lineReached);
  }
}

function cancelled(name: string, line: number): SyncError {
  return new SyncError("SOURCE_READ_FAILED", `${name}:${line}: reading was cancelled`, { file: name, line });
}

/** The pass over the bytes that tells how to decode them; an I/O error in it is a failed read like any other. */
/**
 * Verdicts of files already passed over, by file identity (device, inode, size, modification time) and setting: a
 * sync checks its source before the run and again as the run starts, then decides the encoding before reading,
 * and each would otherwise read every byte of the same unchanged file once more. A file written since has
 * another size or time, so it is passed over again. File times are coarse (a few ms): a verdict is kept only for a
 * file last written over a second ago, so that a write in the same tick cannot pass for the file checked.
 */
const verdicts = new Map<string, EncodingVerdict>();
const VERDICTS_KEPT = 16;
const SETTLED_NS = 1_000_000_000n;

async function inspect(handle: FileHandle, name: string, setting: CsvConfig["encoding"], signal: AbortSignal | undefined): Promise<EncodingVerdict> {
  try {
    const stats = await handle.stat({ bigint: true });
    const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${setting}`;
    const known = verdicts.get(key);
    if (known) return known;
    const verdict = await inspectEncoding(() => fileBytes(handle, name, signal), setting);
    if (BigInt(Date.now()) * 1_000_000n - stats.mtimeNs < SETTLED_NS) return verdict;
    if (verdicts.size >= VERDICTS_KEPT) verdicts.delete(verdicts.keys().next().value as string);
    verdicts.set(key, verdict);
    return verdict;
  } catch (err) {
    if (err instanceof SyncError) throw err;
    throw new SyncError("SOURCE_READ_FAILED", `${name}: reading failed: ${err instanceof Error ? err.message : String(err)}`, { file: name, cause: err });
  }
}

const CHUNK_BYTES = 64 * 1024;

/**
 * The file's bytes from its start, a chunk at a time, by position: passes over one open file never disturb each
 * other, and the file checked is the file read even if it is replaced meanwhile. Stops when the run is cancelled.
 * The next chunk is asked for before this one is handed over, so the disk works while the text is parsed (a pass
 * that waited for each read in turn sat idle about a tenth of its time).
 */
async function* fileBytes(handle: FileHandle, name: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const readAt = (position: number) => {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    return handle.read(buffer, 0, CHUNK_BYTES, position).then(({ bytesRead }) => buffer.subarray(0, bytesRead));
  };
  let next = readAt(0);
  try {
    for (let position = 0; ; ) {
      if (signal?.aborted) throw new SyncError("SOURCE_READ_FAILED", `${name}: reading was cancelled`, { file: name });
      const chunk = await next;
      if (chunk.length === 0) return;
      position += chunk.length;
      next = readAt(position);
      yield chunk;
    }
  } finally {
    // A consumer that stops early leaves one read in flight: it ends before the file is closed, and its failure is nobody's.
    await next.catch(() => undefined);
  }
}

async function openSource(fullPath: string, name: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(fullPath, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : code === "EACCES" || code === "EPERM" ? "not readable (permission denied)" : `not readable (${code ?? String(err)})`;
    throw new SyncError("SOURCE_NOT_FOUND", `CSV file ${name} ${why} (looked at ${fullPath})`, { file: name, cause: err, hint: NOT_FOUND_HINT });
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new SyncError("SOURCE_NOT_FOUND", `CSV file ${name} is not a file but a ${stats.isDirectory() ? "directory" : "special file"} (${fullPath})`, {
      file: name,
      hint: NOT_FOUND_HINT,
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

function toItem(row: CsvRow, header: readonly string[], name: string, seed: bigint, build: (values: readonly string[]) => Record<string, string>): SourceItem {
  const ref = `line ${row.line}`;
  // Broken rows are one line each (the reader re-reads what a bad quote swallowed), so what was read of
  // them goes along: the sync recognises the contact in it and never takes it for vanished.
  const seen = (): { fields?: Record<string, string> } => (row.fields.length > 0 ? { fields: byColumn(header, row.fields) } : {});
  if (row.problem) return { kind: "problem", ref, code: "SOURCE_CSV_PARSE", message: `${name}:${row.line}: ${describeProblem(row.problem, header)}`, ...seen() };
  if (row.fields.length !== header.length) {
    // A short row is not padded: its values would sit under the wrong columns and reach the PBX that way.
    const count = `${row.fields.length} field${row.fields.length === 1 ? "" : "s"}`;
    return { kind: "problem", ref, code: "SOURCE_CSV_PARSE", message: `${name}:${row.line}: row has ${count}, the header has ${header.length}`, ...seen() };
  }
  const fields = build(row.fields);
  return row.text === undefined ? { kind: "record", ref, fields } : { kind: "record", ref, fields, fingerprint: hash64(row.text, seed) };
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

const NOT_FOUND_HINT =
  "Check path in the job's source config (a relative path is resolved against the configuration file's directory) and that the file is readable by this user. Nothing was read, so nothing was deleted.";

const ENCODING_HINT =
  'Set encoding in the source config to the file\'s real encoding (Excel\'s "CSV" is windows-1252 on Western Windows), or to auto, ' +
  "which reads a file that is not UTF-8 as windows-1252; see docs/csv.md. No deletions were made.";

/** Bytes not valid in a strict encoding, at a line. */
function badBytes(name: string, line: number, reason: string, after: string, cause?: unknown): SyncError {
  return new SyncError("SOURCE_READ_FAILED", `${name}:${line}: ${reason}${after}`, { file: name, line, hint: ENCODING_HINT, ...(cause ? { cause } : {}) });
}

/** The warning of encoding auto for a file that is not UTF-8. */
function notUtf8(name: string, line: number): string {
  return `file ${name} is not UTF-8 (first invalid byte at line ${line}); read as windows-1252 (set encoding in the source config to name the file's encoding and silence this)`;
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
    return badBytes(name, lineReached, err.message, "; reading stopped there", err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError("SOURCE_READ_FAILED", `${name}: reading failed after line ${lineReached}: ${message}`, { file: name, line: lineReached, cause: err });
}
