// How the CSV connector tells a file's encoding (auto: byte-order mark, UTF-8, else windows-1252) and how strict explicit encodings are.
import { utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import iconv from "iconv-lite";
import { beforeAll, describe, expect, it } from "vitest";
import { csvConfigSchema, csvConnector } from "../../connectors/csv.js";
import type { CheckResult, SourceItem, SourceRecord } from "../../connectors/types.js";
import { isSyncError, type SyncError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { Collector } from "../helpers/collect.js";
import { tempDir } from "../helpers/temp.js";
import { withoutFingerprint } from "../helpers/csv-items.js";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("pbsync-csv-encoding-");
});

function csv(options: Record<string, unknown>) {
  return csvConfigSchema.parse({ type: "csv", ...options });
}

async function write(name: string, content: Buffer): Promise<void> {
  await writeFile(path.join(dir, name), content);
}

async function readAll(options: Record<string, unknown>, log?: Collector): Promise<SourceItem[]> {
  const logger = log ? createLogger({ destination: log }) : undefined;
  const items: SourceItem[] = [];
  for await (const item of csvConnector.read(csv(options), { baseDir: dir, ...(logger ? { logger } : {}) })) items.push(withoutFingerprint(item));
  return items;
}

async function check(options: Record<string, unknown>): Promise<CheckResult> {
  return csvConnector.check(csv(options), { baseDir: dir });
}

/** Runs `fn`, which must throw a SyncError; returns it. */
async function failure(fn: () => Promise<unknown>): Promise<SyncError> {
  try {
    await fn();
  } catch (err) {
    if (isSyncError(err)) return err;
    throw err;
  }
  throw new Error("expected a SyncError");
}

/** Reads until the connector throws: the items before, and the error. */
async function readUntilError(options: Record<string, unknown>): Promise<{ items: SourceItem[]; error: SyncError }> {
  const items: SourceItem[] = [];
  const error = await failure(async () => {
    for await (const item of csvConnector.read(csv(options), { baseDir: dir })) items.push(withoutFingerprint(item));
  });
  return { items, error };
}

/** The JSON log lines written to a collector. */
function logLines(log: Collector): Array<Record<string, unknown>> {
  return log.text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const fieldsOf = (items: SourceItem[]) => items.filter((item): item is SourceRecord => item.kind === "record").map((item) => item.fields);

const TEXT = "name;city\r\nGiulia;Forlì\r\nJürgen;München\r\nZoë;Besançon\r\n";
const RECORDS = [
  { name: "Giulia", city: "Forlì" },
  { name: "Jürgen", city: "München" },
  { name: "Zoë", city: "Besançon" },
];

/** `count` data rows after a header; row i holds `text(i)`. Rows are about 55 bytes, so 100,000 make over 5 MB. */
function bigText(count: number, text: (i: number) => string): string {
  const rows = ["id,company,city"];
  for (let i = 1; i <= count; i++) rows.push(`${i},Company number ${i} with a longer name,${text(i)}`);
  return `${rows.join("\n")}\n`;
}

describe("encoding auto (the default)", () => {
  it("is the default, and is accepted spelled out", () => {
    expect(csv({ path: "x.csv" }).encoding).toBe("auto");
    expect(csv({ path: "x.csv", encoding: "AUTO" }).encoding).toBe("auto");
  });

  it.each([
    ["UTF-8", Buffer.from([0xef, 0xbb, 0xbf]), "utf8"],
    ["UTF-16LE", Buffer.from([0xff, 0xfe]), "utf-16le"],
    ["UTF-16BE", Buffer.from([0xfe, 0xff]), "utf-16be"],
  ])("reads a file with a %s byte-order mark in the encoding the mark names, without a warning", async (_label, mark, encoding) => {
    const name = `bom-${encoding}.csv`;
    await write(name, Buffer.concat([mark, iconv.encode(TEXT, encoding)]));
    const log = new Collector();
    const items = await readAll({ path: name }, log);
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    expect(fieldsOf(items)).toEqual(RECORDS);
    expect(log.text).not.toMatch(/not UTF-8/);
    expect(await check({ path: name })).toEqual({ columns: ["name", "city"] });
  });

  it("reads a UTF-8 file without a mark as UTF-8", async () => {
    await write("plain-utf8.csv", Buffer.from(TEXT, "utf8"));
    const items = await readAll({ path: "plain-utf8.csv" });
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    expect(fieldsOf(items)).toEqual(RECORDS);
  });

  it("reads a file that is not UTF-8 as windows-1252, with a warning that names the file and the line of the first invalid byte", async () => {
    await write("excel-1252.csv", iconv.encode(`${TEXT}Ana;A Coruña €\r\n`, "windows-1252"));
    const log = new Collector();
    const items = await readAll({ path: "excel-1252.csv" }, log);
    const message =
      "file excel-1252.csv is not UTF-8 (first invalid byte at line 2); read as windows-1252 (set encoding in the source config to name the file's encoding and silence this)";
    // The warning comes first, before any record, so a report shows it whatever happens next.
    expect(items[0]).toEqual({ kind: "warning", ref: "line 2", message });
    expect(fieldsOf(items)).toEqual([...RECORDS, { name: "Ana", city: "A Coruña €" }]);
    expect(logLines(log).filter((line) => line["msg"] === message && line["level"] === 40)).toHaveLength(1);
    expect(await check({ path: "excel-1252.csv" })).toEqual({ columns: ["name", "city"], warnings: [message] });
  });

  it("reads a big UTF-8 file full of accents and emoji as UTF-8: characters split between chunks are not taken for bad bytes", async () => {
    // Three- and four-byte characters on every row put a split character at nearly every 64 KiB chunk boundary.
    const text = bigText(100_000, (i) => `Città ${"àé€😀".slice(0, 1 + (i % 5))}`);
    await write("big-utf8.csv", Buffer.from(text, "utf8"));
    const items = await readAll({ path: "big-utf8.csv" });
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    expect(items).toHaveLength(100_000);
    expect(fieldsOf(items.slice(-2))).toEqual([
      { id: "99999", company: "Company number 99999 with a longer name", city: `Città ${"àé€😀".slice(0, 5)}` },
      { id: "100000", company: "Company number 100000 with a longer name", city: "Città à" },
    ]);
  });

  it("decides on the whole file: one windows-1252 byte far into a big file turns it all to windows-1252, and no record before it is lost or garbled", async () => {
    // ASCII up to row 99,990, whose "ì" is the file's only byte above 0x7F: a UTF-8 read would have emitted
    // 99,989 records before finding it. The pass over the bytes decides first, so every record is read once, right.
    const text = bigText(100_000, (i) => (i === 99_990 ? "Forlì" : "Milano"));
    const bytes = iconv.encode(text, "windows-1252");
    expect(bytes.length).toBeGreaterThan(5 * 1024 * 1024);
    await write("late-1252.csv", bytes);
    const items = await readAll({ path: "late-1252.csv" });
    expect(items[0]).toMatchObject({ kind: "warning", ref: "line 99991", message: expect.stringMatching(/^file late-1252\.csv is not UTF-8 \(first invalid byte at line 99991\); read as windows-1252/) as string });
    const records = fieldsOf(items);
    expect(records).toHaveLength(100_000);
    expect(items.filter((item) => item.kind === "problem")).toEqual([]);
    expect(records[0]).toEqual({ id: "1", company: "Company number 1 with a longer name", city: "Milano" });
    expect(records[99_989]).toEqual({ id: "99990", company: "Company number 99990 with a longer name", city: "Forlì" });
  });

  it("names the right line when the first invalid byte straddles a chunk boundary", async () => {
    // "ì" in windows-1252 is one byte (0xEC): a UTF-8 lead byte that wants two more. Put it last in the first 64 KiB chunk.
    const head = bigText(2_000, () => "Milano");
    const cut = 64 * 1024 - 1;
    const lineOfCut = head.slice(0, cut).split("\n").length;
    const bytes = Buffer.concat([Buffer.from(head.slice(0, cut)), Buffer.from([0xec]), Buffer.from(head.slice(cut + 1))]);
    await write("boundary.csv", bytes);
    const items = await readAll({ path: "boundary.csv" });
    expect(items[0]).toMatchObject({ kind: "warning", ref: `line ${lineOfCut}` });
    expect(fieldsOf(items)).toHaveLength(2_000);
  });

  it("keeps a UTF-8 file whose last character is cut off as UTF-8, and fails its check and its read (it was cut short)", async () => {
    const whole = Buffer.from("name,city\nGiulia,Forlì\nMarco,Città", "utf8");
    await write("cut-short.csv", whole.subarray(0, whole.length - 1));
    const checked = await failure(() => check({ path: "cut-short.csv" }));
    expect([checked.code, checked.message]).toEqual(["SOURCE_READ_FAILED", "cut-short.csv:3: the file ends in the middle of a UTF-8 character: it may have been cut short"]);
    const { items, error } = await readUntilError({ path: "cut-short.csv" });
    expect(items).toEqual([{ kind: "record", ref: "line 2", fields: { name: "Giulia", city: "Forlì" } }]);
    expect(error.message).toBe("cut-short.csv:3: the file ends in the middle of a UTF-8 character: it may have been cut short; reading stopped there");
  });

  it("lets a byte-order mark decide: a file marked UTF-8 with a bad byte fails instead of falling back", async () => {
    await write("marked-bad.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("name\nGiulia\n"), Buffer.from([0x4d, 0xe0, 0x0a])]));
    const error = await failure(() => check({ path: "marked-bad.csv" }));
    expect([error.code, error.message, error.line]).toEqual(["SOURCE_READ_FAILED", "marked-bad.csv:3: bytes that are not valid UTF-8", 3]);
  });
});

describe("explicit encodings stay strict", () => {
  it("check() reads every byte of a big file and names the line of a late bad byte; the read stops there", async () => {
    const text = bigText(100_000, () => "Milano");
    const bytes = Buffer.from(text, "utf8");
    const at = bytes.indexOf(Buffer.from("\n99000,Company")) + 4;
    bytes[at] = 0xe0;
    await write("late-bad-utf8.csv", bytes);
    const error = await failure(() => check({ path: "late-bad-utf8.csv", encoding: "utf-8" }));
    expect([error.code, error.message, error.file, error.line]).toEqual(["SOURCE_READ_FAILED", "late-bad-utf8.csv:99001: bytes that are not valid UTF-8", "late-bad-utf8.csv", 99001]);
    expect(error.hint).toMatch(/^Set encoding in the source config to the file's real encoding/);
    const { items, error: readError } = await readUntilError({ path: "late-bad-utf8.csv", encoding: "utf-8" });
    expect(items).toHaveLength(98_999);
    expect(readError.message).toBe("late-bad-utf8.csv:99001: bytes that are not valid UTF-8; reading stopped there");
  });

  it("names file and line for bytes that are not valid UTF-16", async () => {
    // A lone low surrogate (0xDC00) on line 3.
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode("name\r\nGiulia\r\nMa", "utf-16le"), Buffer.from([0x00, 0xdc]), iconv.encode("rco\r\n", "utf-16le")]);
    await write("bad-utf16.txt", bytes);
    const error = await failure(() => check({ path: "bad-utf16.txt", encoding: "utf-16le" }));
    expect([error.code, error.message]).toEqual(["SOURCE_READ_FAILED", "bad-utf16.txt:3: bytes that are not valid UTF-16LE"]);
  });

  it("reads a file as the single-byte code page it names, with no warning, even where UTF-8 would fit", async () => {
    await write("utf8-as-1252.csv", Buffer.from(TEXT, "utf8"));
    const items = await readAll({ path: "utf8-as-1252.csv", encoding: "windows-1252" });
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    expect(fieldsOf(items)[0]).toEqual({ name: "Giulia", city: "ForlÃ¬" });
  });

  it("reads a windows-1252 file named so without a warning", async () => {
    await write("named-1252.csv", iconv.encode(TEXT, "windows-1252"));
    const items = await readAll({ path: "named-1252.csv", encoding: "cp1252" });
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    expect(fieldsOf(items)).toEqual(RECORDS);
    expect(await check({ path: "named-1252.csv", encoding: "windows-1252" })).toEqual({ columns: ["name", "city"] });
  });

  it("passes over an unchanged file once for its check, the run's check and the read, and again once the file is written", async () => {
    const file = path.join(dir, "settled.csv");
    const old = new Date(Date.now() - 3_600_000);
    await writeFile(file, Buffer.from("name;city\nAna;Forli\n"));
    await utimes(file, old, old);
    expect(await check({ path: "settled.csv" })).toEqual({ columns: ["name", "city"] });
    // Same bytes count, same times: taken for the file passed over already (the verdict, UTF-8, is kept).
    await writeFile(file, Buffer.concat([Buffer.from("name;city\nAna;Forl"), Buffer.from([0xec]), Buffer.from("\n")]));
    await utimes(file, old, old);
    expect(await check({ path: "settled.csv" })).toEqual({ columns: ["name", "city"] });
    // Written now, as any edit would: passed over again, and the windows-1252 byte is found.
    await writeFile(file, Buffer.concat([Buffer.from("name;city\nAna;Forl"), Buffer.from([0xec]), Buffer.from("\n")]));
    expect((await check({ path: "settled.csv" })).warnings).toEqual([expect.stringMatching(/^file settled\.csv is not UTF-8 \(first invalid byte at line 2\)/)]);
  });
});
