// Streams CSV rows out of text chunks with papaparse's parser, each row with the physical line it starts on.
import Papa from "papaparse";
import type { ParseStepResult } from "papaparse";
import { findHeaderLine, sniffDelimiter, type CsvDelimiter, type CsvNewline } from "./csv-header.js";
import { normalizeRowEnds, originalOffset, type RowEndText } from "./csv-newlines.js";

/**
 * Longest record held while waiting for its end. Past it the record is reported and reading resumes on
 * the next line: an unclosed quote would otherwise pull the rest of a large file into memory.
 */
export const MAX_RECORD_CHARS = 1_048_576;

export type RowProblem =
  | { kind: "unclosed-quote"; field: number }
  | { kind: "stray-quote"; field: number }
  | { kind: "too-long"; field: number | undefined };

export interface CsvRow {
  /** 1-based physical line of the file where the row starts. */
  line: number;
  fields: string[];
  /** The row's text as it stands in the file (its line break included), for a clean row: what its fingerprint is taken of. */
  text?: string;
  problem?: RowProblem;
}

export interface CsvDialect {
  delimiter: CsvDelimiter;
  /** The header line's break; the rows after it may end in any of "\r\n", "\n" and "\r". */
  newline: CsvNewline;
}

export interface CsvRowsOptions {
  delimiter: CsvDelimiter | "auto";
  quote: string;
  /** Drop rows whose fields are all blank (empty lines, and Excel's ";;;;" lines). */
  skipEmptyLines: boolean;
  onDialect?: (dialect: CsvDialect) => void;
}

/** The header line never ended: without it no row can be read. */
export class CsvHeaderError extends Error {
  override readonly name = "CsvHeaderError";
}

/**
 * Feeds text chunks to papaparse's low-level parser, keeping only the unfinished last row between chunks.
 * Rows are pulled: the next chunk is read only when the consumer asks for more rows, which is the
 * back-pressure that keeps memory bounded. papaparse's Node duplex stream is not used because it passes
 * on row data only — no errors and no offsets, so neither problems nor line numbers could be reported.
 */
export class CsvRowReader {
  private pending = "";
  /** Offset in the whole text where `pending` starts; a row boundary. */
  private base = 0;
  /** Physical line at `base`. */
  private line = 1;
  private parser: Papa.Parser | undefined;
  private dialect: CsvDialect | undefined;
  private dropUntilBreak = false;
  private readonly received = new LineCounter();
  // Filled by the parser's step callback during one parse() call.
  private rows: CsvRow[] = [];
  private rowEnd = 0;
  private rowLine = 1;
  private resync: { at: number; line: number } | undefined;
  /** What the parser is reading: `pending` with its row ends rewritten to one style. */
  private rewritten: RowEndText = { text: "", newline: "\n", dropped: [] };

  constructor(private readonly options: CsvRowsOptions) {}

  /** The last physical line of the text received so far: where a failed read stopped. */
  get lineReached(): number {
    return this.received.lines;
  }

  async *read(chunks: AsyncIterable<string>): AsyncGenerator<CsvRow> {
    for await (const rows of this.readBatches(chunks)) yield* rows;
  }

  /** The rows of each chunk together: a million rows cost a million hops through async generators less. */
  async *readBatches(chunks: AsyncIterable<string>): AsyncGenerator<CsvRow[]> {
    for await (const chunk of chunks) {
      this.received.add(chunk);
      this.pending += this.dropUntilBreak ? this.dropLineRest(chunk) : chunk;
      const rows = [...this.parsePending(false)];
      if (rows.length > 0) yield rows;
    }
    const rows = [...this.parsePending(true)];
    if (rows.length > 0) yield rows;
  }

  private *parsePending(final: boolean): Generator<CsvRow> {
    if (!this.dialect && !this.start(final)) {
      if (this.pending.length > MAX_RECORD_CHARS) throw new CsvHeaderError(`the header row runs past ${MAX_RECORD_CHARS} characters without ending`);
      return;
    }
    for (;;) {
      this.rows = [];
      this.resync = undefined;
      this.rowEnd = this.base;
      this.rowLine = this.line;
      this.rewritten = normalizeRowEnds(this.pending, this.options.quote, this.delimiter, final);
      // A parser once aborted stays aborted, and the line break may differ from one call to the next: a fresh one each time.
      this.parser = this.newParser(this.rewritten.newline);
      this.parser.parse(this.rewritten.text, 0, !final);
      yield* this.rows;
      const resync = this.takeResync();
      if (resync) {
        this.skipTo(resync.at, resync.line);
        continue;
      }
      this.skipTo(this.rowEnd, this.rowLine);
      if (final || this.pending.length <= MAX_RECORD_CHARS) return;
      yield { line: this.line, fields: [], problem: { kind: "too-long", field: openQuoteField(this.pending, this.options.quote, this.delimiter) } };
      const after = afterFirstBreak(this.pending);
      if (after === undefined) {
        this.skipTo(this.base + this.pending.length, this.line);
        this.dropUntilBreak = true;
        return;
      }
      this.skipTo(this.base + after, this.line + 1);
    }
  }

  /** Reads the dialect off the header line; false while the header line has not fully arrived. */
  private start(final: boolean): boolean {
    const header = findHeaderLine(this.pending, this.options.quote, final);
    if (!header) return false;
    const delimiter = this.options.delimiter === "auto" ? sniffDelimiter(header.text, this.options.quote) : this.options.delimiter;
    this.dialect = { delimiter, newline: header.newline };
    this.options.onDialect?.(this.dialect);
    return true;
  }

  private get delimiter(): CsvDelimiter {
    return this.dialect?.delimiter ?? ",";
  }

  private newParser(newline: RowEndText["newline"]): Papa.Parser {
    return new Papa.Parser({
      delimiter: this.delimiter,
      newline,
      quoteChar: this.options.quote,
      step: (result: ParseStepResult<string[][]>) => this.onRow(result),
    });
  }

  private onRow(result: ParseStepResult<string[][]>): void {
    const start = this.rowEnd;
    const end = this.base + originalOffset(this.rewritten, result.meta.cursor);
    const text = this.pending.slice(start - this.base, end - this.base);
    const line = this.rowLine;
    this.rowEnd = end;
    this.rowLine = line + countBreaks(text);
    const fields = result.data[0] ?? [];
    const error = result.errors[0];
    if (!error) {
      if (this.options.skipEmptyLines && fields.every((field) => field.trim() === "")) return;
      this.rows.push({ line, fields, text });
      return;
    }
    // papaparse's index is just past the opening quote of the field it gave up on.
    const quoteAt = (error.index === undefined ? start - this.base + 1 : originalOffset(this.rewritten, error.index)) - 1 - (start - this.base);
    const field = fieldIndexAt(text, quoteAt, this.options.quote, this.delimiter);
    const after = afterFirstBreak(text);
    const spansLines = after !== undefined && after < text.length;
    // A quote that runs over the line end was not closed on its line, whatever later quote papaparse paired it with.
    const kind = error.code === "MissingQuotes" || spansLines ? "unclosed-quote" : "stray-quote";
    this.rows.push({ line, fields, problem: { kind, field } });
    if (spansLines) {
      // The broken quote swallowed the lines after it: read them again as rows of their own.
      this.resync = { at: start + after, line: line + 1 };
      this.parser?.abort();
    }
  }

  /** The step callback may have asked to read on from a later line (a method call, so TS does not narrow it away). */
  private takeResync(): { at: number; line: number } | undefined {
    const resync = this.resync;
    this.resync = undefined;
    return resync;
  }

  private skipTo(offset: number, line: number): void {
    this.pending = this.pending.slice(offset - this.base);
    this.base = offset;
    this.line = line;
  }

  /** After an over-long line without a break: throws text away up to and including the next break. */
  private dropLineRest(chunk: string): string {
    const after = afterFirstBreak(chunk);
    if (after === undefined) {
      this.base += chunk.length;
      return "";
    }
    this.dropUntilBreak = false;
    this.base += after;
    this.line += 1;
    return chunk.slice(after);
  }
}

/** Line breaks in a text: "\r\n", "\n" and a lone "\r" each end one physical line, as editors count them. */
function countBreaks(text: string): number {
  // indexOf runs in native code: a row usually holds one break, at its end, and most files no "\r" at all.
  let breaks = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) breaks++;
  for (let at = text.indexOf("\r"); at !== -1; at = text.indexOf("\r", at + 1)) if (text.charCodeAt(at + 1) !== 10) breaks++;
  return breaks;
}

/** Counts lines across chunks, where a "\r\n" may be split between two of them. */
export class LineCounter {
  lines = 1;
  private endedWithCR = false;

  add(chunk: string): void {
    if (chunk.length === 0) return;
    const skipLF = this.endedWithCR && chunk.charCodeAt(0) === 10;
    this.lines += countBreaks(skipLF ? chunk.slice(1) : chunk);
    this.endedWithCR = chunk.charCodeAt(chunk.length - 1) === 13;
  }
}

/** Offset just past the first line break of a text, or undefined when it has none. */
function afterFirstBreak(text: string): number | undefined {
  const match = /\r\n|\n|\r/.exec(text);
  return match ? match.index + match[0].length : undefined;
}

/** Which field (0-based) of a row's text a position falls in, counting delimiters outside quotes. */
function fieldIndexAt(text: string, position: number, quote: string, delimiter: string): number {
  let field = 0;
  let inQuotes = false;
  for (let i = 0; i < position && i < text.length; i++) {
    const ch = text[i];
    if (ch === quote) inQuotes = !inQuotes;
    else if (!inQuotes && ch === delimiter) field++;
  }
  return field;
}

/** The field whose quote is still open at the end of an unfinished row, if a quote is the reason. */
function openQuoteField(text: string, quote: string, delimiter: string): number | undefined {
  let field = 0;
  let inQuotes = false;
  let openedIn: number | undefined;
  for (const ch of text) {
    if (ch === quote) {
      inQuotes = !inQuotes;
      if (inQuotes) openedIn = field;
    } else if (!inQuotes && ch === delimiter) field++;
  }
  return inQuotes ? openedIn : undefined;
}
