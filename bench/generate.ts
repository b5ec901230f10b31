// Writes a benchmark source of N contacts and its edited variant (1% edited, 0.5% removed), streaming, in one pass.
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { companiesFor, contactAt, CSV_HEADER, csvValues, fateOf } from "./source/contacts.js";

export interface GeneratedSources {
  rows: number;
  companies: number;
  /** The whole source. */
  source: string;
  /** The same source with some rows edited and some removed. */
  edited: string;
  editedRows: number;
  removedRows: number;
  bytes: number;
}

const NEEDS_QUOTES = /[",\r\n]/;
const FLUSH_CHARS = 1 << 16;

export function csvLine(values: readonly string[]): string {
  return `${values.map((value) => (NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(",")}\n`;
}

/** Collects lines and hands them to the file in 64 KiB pieces, waiting whenever the file falls behind. */
class LineWriter {
  private buffer = "";
  bytes = 0;

  constructor(private readonly out: WriteStream) {}

  async add(line: string): Promise<void> {
    this.buffer += line;
    if (this.buffer.length >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === "") return;
    this.bytes += Buffer.byteLength(this.buffer);
    const ok = this.out.write(this.buffer);
    this.buffer = "";
    if (!ok) await once(this.out, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, "finish");
  }
}

export async function generateSources(dir: string, rows: number): Promise<GeneratedSources> {
  const companies = companiesFor(rows);
  const source = path.join(dir, `contacts-${rows}.csv`);
  const edited = path.join(dir, `contacts-${rows}-edited.csv`);
  const whole = new LineWriter(createWriteStream(source));
  const changed = new LineWriter(createWriteStream(edited));
  const header = csvLine(CSV_HEADER);
  await whole.add(header);
  await changed.add(header);
  let editedRows = 0;
  let removedRows = 0;
  for (let row = 1; row <= rows; row++) {
    const line = csvLine(csvValues(contactAt(row, companies)));
    await whole.add(line);
    const fate = fateOf(row);
    if (fate === "removed") removedRows++;
    else if (fate === "kept") await changed.add(line);
    else {
      editedRows++;
      await changed.add(csvLine(csvValues(contactAt(row, companies, true))));
    }
  }
  await whole.close();
  await changed.close();
  return { rows, companies, source, edited, editedRows, removedRows, bytes: whole.bytes };
}
