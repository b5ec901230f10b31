// The CSV connector streams: exact records across chunk boundaries, bounded memory with a slow consumer, files closed.
import { readdirSync } from "node:fs";
import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import iconv from "iconv-lite";
import { beforeAll, describe, expect, it } from "vitest";
import { csvConfigSchema, csvConnector } from "../../connectors/csv.js";
import { MAX_RECORD_CHARS } from "../../connectors/csv-rows.js";
import { refOf, type SourceItem, type SourceRecord } from "../../connectors/types.js";
import { tempDir } from "../helpers/temp.js";
import { withoutFingerprint } from "../helpers/csv-items.js";

function csv(options: Record<string, unknown>) {
  return csvConfigSchema.parse({ type: "csv", ...options });
}

async function readAll(options: Record<string, unknown>): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of csvConnector.read(csv(options), { baseDir: dir })) items.push(withoutFingerprint(item));
  return items;
}

/** A collector we can call: --expose-gc turned on at run time, so the heap is measured without garbage. */
function gcFunction(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

function openFileDescriptors(): number {
  return readdirSync("/proc/self/fd").length;
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir("pbsync-csv-stream-");
});

/**
 * Rows with multi-line quoted notes, doubled quotes and characters of 2, 3 and 4 bytes, many times the 64 KiB
 * chunk size, so that records, line breaks and characters all fall across chunk boundaries somewhere.
 */
function tortureFile(rows: number, newline: string): { text: string; expected: Array<{ ref: string; fields: Record<string, string> }> } {
  const lines = [`id${","}name${","}note`];
  const expected: Array<{ ref: string; fields: Record<string, string> }> = [];
  let line = 2;
  for (let i = 1; i <= rows; i++) {
    const name = `Società ${i} 東京 😀`;
    const note = i % 7 === 0 ? `first ${i}\nsecond "quoted"\nthird` : i % 5 === 0 ? `a, b; c` : "";
    const quotedNote = note === "" ? "" : `"${note.replace(/"/g, '""')}"`;
    lines.push(`${i},${name},${quotedNote}`);
    expected.push({ ref: `line ${line}`, fields: { id: String(i), name, note } });
    line += 1 + (note.match(/\n/g)?.length ?? 0);
  }
  return { text: lines.join(newline) + newline, expected };
}

describe("CSV connector: streaming", () => {
  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ])("reads records exactly across chunk boundaries in UTF-8 (%s)", async (label, newline) => {
    const { text, expected } = tortureFile(16_000, newline);
    expect(Buffer.byteLength(text)).toBeGreaterThan(8 * 64 * 1024);
    await writeFile(path.join(dir, `torture-${label}.csv`), text);
    const items = await readAll({ path: `torture-${label}.csv` });
    expect(items.filter((item) => item.kind === "problem")).toEqual([]);
    expect(items.map((item) => ({ ref: refOf(item), fields: (item as SourceRecord).fields }))).toEqual(expected);
  });

  it("reads records exactly across chunk boundaries in UTF-16LE", async () => {
    const { text, expected } = tortureFile(5000, "\r\n");
    await writeFile(path.join(dir, "torture-utf16.txt"), Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, "utf-16le")]));
    const items = await readAll({ path: "torture-utf16.txt" });
    expect(items.map((item) => ({ ref: refOf(item), fields: (item as SourceRecord).fields }))).toEqual(expected);
  });

  it("keeps the heap bounded on a 200,000-row file read by a slow consumer", async () => {
    const file = path.join(dir, "big.csv");
    await writeFile(file, "id,name,surname,company,phone,mobile,email,notes\n");
    const rows = 200_000;
    for (let start = 1; start <= rows; start += 10_000) {
      const block: string[] = [];
      for (let i = start; i < start + 10_000; i++) {
        block.push(`${i},Giulia ${i},Rossi ${i},"Società Alfa ${i}, S.r.l.",+39 02 ${i},+39 333 ${i},giulia.${i}@alfa.example,"a note that makes the row long enough to matter ${i}"`);
      }
      await appendFile(file, block.join("\n") + "\n");
    }
    const gc = gcFunction();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let lastRef = "";
    for await (const item of csvConnector.read(csv({ path: "big.csv" }), { baseDir: dir })) {
      count++;
      lastRef = refOf(item) ?? "";
      // The consumer is slower than the disk: it yields to the event loop all the time, and waits now and then.
      // (The wait is the behaviour under test, a slow consumer, not a wait for something to happen.)
      if (count % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (count % 20_000 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(count).toBe(rows);
    expect(lastRef).toBe(`line ${rows + 1}`);
    // The file is about 30 MB; holding its 200,000 records costs about 115 MB of heap, streaming them almost nothing.
    expect(peak).toBeLessThan(60 * 1024 * 1024);
  });

  it("reports a quote never closed in a large file once, and reads every other record", async () => {
    const rows = ["id,name,phone", '1,"Never closed,555'];
    const total = 40_000;
    for (let i = 2; i <= total; i++) rows.push(`${i},Name ${i} with some padding to grow the file,+39 02 ${i}`);
    const text = rows.join("\n") + "\n";
    expect(text.length).toBeGreaterThan(MAX_RECORD_CHARS);
    await writeFile(path.join(dir, "never-closed.csv"), text);
    const items = await readAll({ path: "never-closed.csv" });
    expect(items[0]).toEqual({
      kind: "problem",
      ref: "line 2",
      code: "SOURCE_CSV_PARSE",
      message: `never-closed.csv:2: unclosed quote in field "name": the record runs past ${MAX_RECORD_CHARS} characters without ending`,
    });
    const rest = items.slice(1);
    expect(rest.filter((item) => item.kind === "problem")).toEqual([]);
    expect(rest).toHaveLength(total - 1);
    expect(rest[0]).toEqual({ kind: "record", ref: "line 3", fields: { id: "2", name: "Name 2 with some padding to grow the file", phone: "+39 02 2" } });
    expect(refOf(rest.at(-1) ?? { kind: "watermark", value: "" })).toBe(`line ${total + 1}`);
  });

  it("reports an endless line without a break once, and reads on after its end", async () => {
    const long = "x".repeat(MAX_RECORD_CHARS + 200_000);
    await writeFile(path.join(dir, "endless.csv"), `id,name\n1,a\n2,${long}\n3,c\n`);
    const items = await readAll({ path: "endless.csv" });
    expect(items).toEqual([
      { kind: "record", ref: "line 2", fields: { id: "1", name: "a" } },
      {
        kind: "problem",
        ref: "line 3",
        code: "SOURCE_CSV_PARSE",
        message: `endless.csv:3: the record runs past ${MAX_RECORD_CHARS} characters without ending: check the delimiter and the line endings`,
      },
      { kind: "record", ref: "line 4", fields: { id: "3", name: "c" } },
    ]);
  });

  it("closes the file after check(), and when the consumer stops early", async () => {
    const { text } = tortureFile(3000, "\n");
    await writeFile(path.join(dir, "early-stop.csv"), text);
    const before = openFileDescriptors();
    expect((await csvConnector.check(csv({ path: "early-stop.csv" }), { baseDir: dir })).columns).toEqual(["id", "name", "note"]);
    expect(openFileDescriptors()).toBe(before);
    const seen: string[] = [];
    for await (const item of csvConnector.read(csv({ path: "early-stop.csv" }), { baseDir: dir })) {
      seen.push(refOf(item) ?? "");
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["line 2", "line 3", "line 4"]);
    // Leaving the loop awaits the reader's return(), which waits for the file to close: nothing left to wait for.
    expect(openFileDescriptors()).toBe(before);
  });
});
