// The CSV connector against papaparse (fast-check): for any generated file — quoted values holding quotes,
// delimiters and line breaks, rows ending in \r\n, \n, \r or all three by turns, UTF-8 with or without a byte-order
// mark read as auto, windows-1252 named — it gives the records papaparse reads, at the lines they start on.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { csvConfigSchema, csvConnector } from "../../connectors/csv.js";
import { CsvRowReader } from "../../connectors/csv-rows.js";
import { tempDir } from "../helpers/temp.js";

const DELIMITERS = [",", ";", "\t", "|"] as const;
type Delimiter = (typeof DELIMITERS)[number];
const NEWLINES = ["\n", "\r\n", "\r"] as const;
type Newline = (typeof NEWLINES)[number];
/** A file's row ends: one style throughout, or each row its own. */
type Endings = Newline | "mixed";

const plain = fc.constantFrom("a", "b", "Z", "0", "7", " ", "-", ".", "@", "'");
const special = fc.constantFrom('"', '""', ",", ";", "\t", "|", "\r", "\n", "\r\n", " \r");
/** Characters windows-1252 has: the files in that encoding are made of these and the ones above. */
const accented = fc.constantFrom("é", "è", "ü", "ß", "€", "Ñ", "œ", "“");
const beyond1252 = fc.constantFrom("😀", "東", "👨\u200d👩\u200d👧", "ő", "Ж");

function valueOf(utf8: boolean): fc.Arbitrary<string> {
  const parts = [
    { weight: 6, arbitrary: plain },
    { weight: 3, arbitrary: special },
    { weight: 1, arbitrary: accented },
    ...(utf8 ? [{ weight: 1, arbitrary: beyond1252 }] : []),
  ];
  return fc.array(fc.oneof(...parts), { maxLength: 8 }).map((chars) => chars.join(""));
}

interface Cell {
  value: string;
  /** Quoted even when nothing in it asks for quotes. */
  quoted: boolean;
}

interface CsvFile {
  header: string[];
  rows: Cell[][];
  delimiter: Delimiter;
  /** The delimiter as configured: auto needs two columns to find it in the header. */
  configured: Delimiter | "auto";
  endings: Endings;
  /** Each row's end when `endings` is mixed (the header's first). */
  ends: Newline[];
  finalNewline: boolean;
}

function fileOf(utf8: boolean): fc.Arbitrary<CsvFile> {
  const cell = fc.record({ value: valueOf(utf8), quoted: fc.boolean() });
  return fc
    .record({
      header: fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,6}$/), { minLength: 1, maxLength: 4 }),
      delimiter: fc.constantFrom(...DELIMITERS),
      auto: fc.boolean(),
      endings: fc.constantFrom<Endings>(...NEWLINES, "mixed", "mixed"),
      finalNewline: fc.boolean(),
    })
    .chain(({ header, delimiter, auto, endings, finalNewline }) => {
      const width = header.length;
      // Mostly rows as wide as the header; now and then a short or long one, which is reported, not read.
      const row = fc.oneof({ weight: 8, arbitrary: fc.array(cell, { minLength: width, maxLength: width }) }, { weight: 1, arbitrary: fc.array(cell, { minLength: 1, maxLength: width + 2 }) });
      return fc.record({
        rows: fc.array(row, { maxLength: 8 }),
        ends: fc.array(fc.constantFrom(...NEWLINES), { minLength: 9, maxLength: 9 }),
      }).map(({ rows, ends }): CsvFile => ({ header, rows, delimiter, configured: auto && width > 1 ? "auto" : delimiter, endings, ends, finalNewline }));
    });
}

function cellText(cell: Cell, delimiter: Delimiter): string {
  const needsQuotes = cell.value.includes('"') || cell.value.includes(delimiter) || /[\r\n]/.test(cell.value);
  return needsQuotes || cell.quoted ? `"${cell.value.replace(/"/g, '""')}"` : cell.value;
}

/** The file's text, each row ended as the file says (or all with `newline`), and the line each row starts on. */
function textOf(file: CsvFile, newline?: Newline): { text: string; lines: number[] } {
  const lines: string[] = [file.header.join(file.delimiter), ...file.rows.map((row) => row.map((cell) => cellText(cell, file.delimiter)).join(file.delimiter))];
  let text = "";
  const starts: number[] = [];
  lines.forEach((content, i) => {
    // Counted on the text so far: an empty row between a "\r" and a "\n" end leaves a "\r\n", one break.
    starts.push(1 + breaks(text));
    const last = i === lines.length - 1;
    const end = last && !file.finalNewline ? "" : (newline ?? (file.endings === "mixed" ? (file.ends[i] ?? "\n") : file.endings));
    text += content + end;
  });
  return { text, lines: starts.slice(1) };
}

/** Physical line breaks, as an editor counts them: \r\n, \n and a lone \r. */
function breaks(text: string): number {
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}

interface Expected {
  kind: "record" | "problem";
  ref: string;
  fields: Record<string, string>;
}

/**
 * What papaparse reads of the file: parsed as it is with its one newline, or for a file of mixed row ends, the same
 * rows written with "\n". Rows of blanks only are skipped, as with the connector's skipEmptyLines.
 */
function papaparseReads(file: CsvFile): Expected[] {
  const newline: Newline = file.endings === "mixed" ? "\n" : file.endings;
  const { text } = textOf(file, newline);
  const parsed = Papa.parse<string[]>(text, { delimiter: file.delimiter, newline, quoteChar: '"' });
  expect(parsed.errors).toEqual([]);
  const [header, ...rows] = parsed.data;
  expect(header).toEqual(file.header);
  const { lines } = textOf(file);
  const expected: Expected[] = [];
  // papaparse adds a last empty row for a file that ends in a newline: it lines up with no row of ours.
  rows.slice(0, file.rows.length).forEach((row, i) => {
    if (row.every((field) => field.trim() === "")) return;
    const fields: Record<string, string> = {};
    file.header.forEach((name, column) => (fields[name] = row[column] ?? ""));
    for (let column = file.header.length; column < row.length; column++) fields[`#${column + 1}`] = row[column] ?? "";
    expected.push({ kind: row.length === file.header.length ? "record" : "problem", ref: `line ${lines[i] ?? 0}`, fields });
  });
  return expected;
}

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await tempDir("pbsync-csv-props-");
});

/** What the connector reads from the bytes, as records and problems with their fields. */
async function connectorReads(bytes: Buffer, options: Record<string, unknown>): Promise<Expected[]> {
  const name = `file-${++count}.csv`;
  await writeFile(path.join(dir, name), bytes);
  const config = csvConfigSchema.parse({ type: "csv", path: name, ...options });
  const items: Expected[] = [];
  for await (const item of csvConnector.read(config, { baseDir: dir })) {
    if (item.kind === "record") items.push({ kind: "record", ref: item.ref, fields: { ...item.fields } as Record<string, string> });
    else if (item.kind === "problem") items.push({ kind: "problem", ref: item.ref, fields: { ...item.fields } as Record<string, string> });
    else throw new Error(`unexpected ${item.kind} item: ${JSON.stringify(item)}`);
  }
  return items;
}

describe("the CSV connector reads what papaparse reads (fast-check)", () => {
  it("for UTF-8 files with and without a byte-order mark, under the default encoding auto", async () => {
    await fc.assert(
      fc.asyncProperty(fileOf(true), fc.boolean(), async (file, bom) => {
        const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(textOf(file).text, "utf8")]);
        expect(await connectorReads(bytes, { delimiter: file.configured })).toEqual(papaparseReads(file));
      }),
      { numRuns: 150 },
    );
  });

  it("for windows-1252 files read with encoding: windows-1252", async () => {
    await fc.assert(
      fc.asyncProperty(fileOf(false), async (file) => {
        const bytes = iconv.encode(textOf(file).text, "windows-1252");
        expect(await connectorReads(bytes, { delimiter: file.configured, encoding: "windows-1252" })).toEqual(papaparseReads(file));
      }),
      { numRuns: 100 },
    );
  });

  it("whatever the chunks the text arrives in: a \\r\\n or a quoted value split between two is read the same", async () => {
    await fc.assert(
      fc.asyncProperty(fileOf(true), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }), async (file, sizes) => {
        const { text } = textOf(file);
        const reader = new CsvRowReader({ delimiter: file.configured, quote: '"', skipEmptyLines: true });
        const rows: { line: number; fields: string[]; problem?: unknown }[] = [];
        for await (const { text: _text, ...row } of reader.read(chunksOf(text, sizes))) rows.push(row);
        // Rows as wide as the header (the others are reported by the connector), after the header; any problem shows.
        const read = rows.slice(1).filter((row) => row.problem !== undefined || row.fields.length === file.header.length);
        const expected = papaparseReads(file)
          .filter((item) => item.kind === "record")
          .map((item) => ({ line: Number(item.ref.replace("line ", "")), fields: file.header.map((name) => item.fields[name] ?? "") }));
        expect(read).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

/** The text cut into pieces of the given sizes, round and round. */
async function* chunksOf(text: string, sizes: readonly number[]): AsyncGenerator<string> {
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield text.slice(at, at + size);
    at += size;
  }
}
