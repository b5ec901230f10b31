// The CSV connector's failures: missing files, empty files, reads cut short, bad headers and bad configuration.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import { beforeAll, describe, expect, it } from "vitest";
import { csvConfigSchema, csvConnector } from "../../connectors/csv.js";
import { refOf, type ConnectorContext, type SourceItem } from "../../connectors/types.js";
import { isSyncError, type SyncError } from "../../src/errors.js";
import { tempDir } from "../helpers/temp.js";
import { withoutFingerprint } from "../helpers/csv-items.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

function csv(options: Record<string, unknown>) {
  return csvConfigSchema.parse({ type: "csv", ...options });
}

/** Reads until the connector throws; returns what came before and the error. */
async function readUntilError(options: Record<string, unknown>, ctx: ConnectorContext): Promise<{ items: SourceItem[]; error: SyncError }> {
  const items: SourceItem[] = [];
  try {
    for await (const item of csvConnector.read(csv(options), ctx)) items.push(withoutFingerprint(item));
  } catch (err) {
    if (isSyncError(err)) return { items, error: err };
    throw err;
  }
  throw new Error(`expected the read to fail, it yielded ${items.length} items`);
}

async function checkError(options: Record<string, unknown>, ctx: ConnectorContext): Promise<SyncError> {
  try {
    await csvConnector.check(csv(options), ctx);
  } catch (err) {
    if (isSyncError(err)) return err;
    throw err;
  }
  throw new Error("expected check() to fail");
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir("pbsync-csv-errors-");
});

async function write(name: string, content: string | Buffer): Promise<void> {
  await writeFile(path.join(dir, name), content);
}

describe("CSV connector: files that cannot be read", () => {
  it("throws SOURCE_NOT_FOUND from check() and read() for a missing file, naming the path", async () => {
    const full = path.join(dir, "nowhere", "contacts.csv");
    for (const error of [await checkError({ path: "nowhere/contacts.csv" }, { baseDir: dir }), (await readUntilError({ path: "nowhere/contacts.csv" }, { baseDir: dir })).error]) {
      expect(error.code).toBe("SOURCE_NOT_FOUND");
      expect(error.message).toBe(`CSV file nowhere/contacts.csv not found (looked at ${full})`);
      expect(error.file).toBe("nowhere/contacts.csv");
    }
  });

  it("throws SOURCE_NOT_FOUND for a directory", async () => {
    await mkdir(path.join(dir, "a-directory.csv"));
    const error = await checkError({ path: "a-directory.csv" }, { baseDir: dir });
    expect(error.code).toBe("SOURCE_NOT_FOUND");
    expect(error.message).toBe(`CSV file a-directory.csv is not a file but a directory (${path.join(dir, "a-directory.csv")})`);
  });

  it("resolves an absolute path as it is", async () => {
    const checked = await csvConnector.check(csv({ path: path.join(FIXTURES, "csv-comma-utf8.csv") }), { baseDir: "/nonexistent" });
    expect(checked.columns).toHaveLength(7);
  });

  it.each([
    ["empty.csv", ""],
    ["blank.csv", "\r\n\n\n"],
    ["bom-only.csv", "\uFEFF"],
  ])("throws SOURCE_CSV_PARSE for a file with no header (%s)", async (name, content) => {
    await write(name, content);
    const message = `${name}: the file is empty: a CSV source needs a header row naming the columns`;
    const fromCheck = await checkError({ path: name }, { baseDir: dir });
    const fromRead = await readUntilError({ path: name }, { baseDir: dir });
    expect([fromCheck.code, fromCheck.message]).toEqual(["SOURCE_CSV_PARSE", message]);
    expect([fromRead.error.code, fromRead.error.message]).toEqual(["SOURCE_CSV_PARSE", message]);
  });
});

describe("CSV connector: reads that fail part-way", () => {
  it("reads every record before bytes that are not UTF-8, then throws SOURCE_READ_FAILED naming their line", async () => {
    // 3000 rows make several 64 KiB chunks; row 2500 holds a windows-1252 "à", which is not UTF-8.
    const rows = ["id,company,phone"];
    for (let i = 1; i <= 3000; i++) rows.push(`${i},Company number ${i} with a longer name,+39 02 ${String(i).padStart(7, "0")}`);
    const bytes = Buffer.from(rows.join("\n") + "\n", "utf8");
    const bad = bytes.indexOf(Buffer.from("2500,Company"));
    bytes[bad + 5] = 0xe0;
    await write("bad-byte.csv", bytes);
    const { items, error } = await readUntilError({ path: "bad-byte.csv", encoding: "utf-8" }, { baseDir: dir });
    expect(error.code).toBe("SOURCE_READ_FAILED");
    expect(error.message).toBe("bad-byte.csv:2501: bytes that are not valid UTF-8; reading stopped there");
    expect(error.line).toBe(2501);
    expect(error.hint).toContain("Set encoding in the source config");
    expect(items).toHaveLength(2499);
    expect(items.map(refOf)).toEqual(items.map((_, i) => `line ${i + 2}`));
  });

  it("throws SOURCE_READ_FAILED for a windows-1252 file read as UTF-8, naming the first bad line", async () => {
    await write("latin.csv", iconv.encode("name;city\r\nGiulia;Milano\r\nMarco;Forlì\r\n", "windows-1252"));
    // check() reads every byte, so it fails too, on the same line.
    const checked = await checkError({ path: "latin.csv", encoding: "utf-8" }, { baseDir: dir });
    expect([checked.code, checked.message]).toEqual(["SOURCE_READ_FAILED", "latin.csv:3: bytes that are not valid UTF-8"]);
    const { items, error } = await readUntilError({ path: "latin.csv", encoding: "utf-8" }, { baseDir: dir });
    expect(items).toEqual([{ kind: "record", ref: "line 2", fields: { name: "Giulia", city: "Milano" } }]);
    expect(error.code).toBe("SOURCE_READ_FAILED");
    expect(error.message).toBe("latin.csv:3: bytes that are not valid UTF-8; reading stopped there");
  });

  it("throws SOURCE_READ_FAILED for a UTF-16 file cut in the middle of a character", async () => {
    const whole = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode("name\tphone\r\nGiulia\t1\r\nMarco\t2", "utf-16le")]);
    await write("cut.txt", whole.subarray(0, whole.length - 1));
    const { items, error } = await readUntilError({ path: "cut.txt" }, { baseDir: dir });
    expect(items).toEqual([{ kind: "record", ref: "line 2", fields: { name: "Giulia", phone: "1" } }]);
    expect(error.code).toBe("SOURCE_READ_FAILED");
    expect(error.message).toBe("cut.txt:3: the file ends in the middle of a UTF-16LE character: it may have been cut short; reading stopped there");
  });

  it("throws SOURCE_READ_FAILED for a UTF-8 file cut in the middle of a character", async () => {
    const whole = Buffer.from("name,city\nGiulia,Forlì", "utf8");
    await write("cut-utf8.csv", whole.subarray(0, whole.length - 1));
    const { error } = await readUntilError({ path: "cut-utf8.csv" }, { baseDir: dir });
    expect(error.message).toBe("cut-utf8.csv:2: the file ends in the middle of a UTF-8 character: it may have been cut short; reading stopped there");
  });

  it("throws SOURCE_READ_FAILED when the read is cancelled", async () => {
    await write("cancel.csv", "id\n1\n2\n3\n");
    const controller = new AbortController();
    const items: SourceItem[] = [];
    let caught: unknown;
    try {
      for await (const item of csvConnector.read(csv({ path: "cancel.csv" }), { baseDir: dir, signal: controller.signal })) {
        items.push(withoutFingerprint(item));
        controller.abort();
      }
    } catch (err) {
      caught = err;
    }
    expect(items).toHaveLength(1);
    expect(isSyncError(caught, "SOURCE_READ_FAILED")).toBe(true);
    expect((caught as SyncError).message).toBe("cancel.csv:3: reading was cancelled");
  });
});

describe("CSV connector: headers that cannot be trusted", () => {
  it("refuses a header with a broken quote", async () => {
    await write("bad-header.csv", 'name,"company" x,phone\nGiulia,Alfa,1\n');
    const error = await checkError({ path: "bad-header.csv" }, { baseDir: dir });
    expect(error.code).toBe("SOURCE_CSV_PARSE");
    expect(error.message).toMatch(/^bad-header\.csv:1: the header row is malformed: (stray|unclosed) quote in column 2/);
  });

  it("refuses a header that never ends instead of holding the whole file", async () => {
    await write("endless-header.csv", `name,"company,phone\n${"Giulia,Alfa,1\n".repeat(100_000)}`);
    const error = await checkError({ path: "endless-header.csv" }, { baseDir: dir });
    expect(error.code).toBe("SOURCE_CSV_PARSE");
    expect(error.message).toBe("endless-header.csv: the header row runs past 1048576 characters without ending: check the quotes and the line endings");
  });

  it("recognises UTF-16 without a byte-order mark read as UTF-8, and says which encoding to set", async () => {
    await write("utf16-no-bom.txt", iconv.encode("name\tphone\r\nGiulia\t1\r\n", "utf-16le"));
    const error = await checkError({ path: "utf16-no-bom.txt" }, { baseDir: dir });
    expect(error.code).toBe("SOURCE_CSV_PARSE");
    expect(error.message).toBe("utf16-no-bom.txt:1: the header holds NUL characters");
    expect(error.hint).toContain("set encoding: utf-16le");
  });
});

describe("CSV connector: configuration", () => {
  it("fills the defaults", () => {
    expect(csvConfigSchema.parse({ type: "csv", path: "contacts.csv" })).toEqual({
      type: "csv",
      path: "contacts.csv",
      delimiter: "auto",
      encoding: "auto",
      quote: '"',
      header: true,
      skipEmptyLines: true,
      trimHeaders: true,
    });
  });

  it("accepts the spellings people copy from other tools", () => {
    const config = csvConfigSchema.parse({ type: "csv", path: "c.csv", delimiter: "tab", encoding: "UTF8" });
    expect([config.delimiter, config.encoding]).toEqual(["\t", "utf-8"]);
    expect(csvConfigSchema.parse({ type: "csv", path: "c.csv", encoding: "CP1252" }).encoding).toBe("windows-1252");
    expect(csvConfigSchema.parse({ type: "csv", path: "c.csv", encoding: "UTF-16LE" }).encoding).toBe("utf-16le");
  });

  it("rejects an unknown key and names it", () => {
    const result = csvConfigSchema.safeParse({ type: "csv", path: "c.csv", delimeter: ";" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['Unrecognized key: "delimeter"']);
  });

  it("rejects a quote that is also the delimiter", () => {
    const result = csvConfigSchema.safeParse({ type: "csv", path: "c.csv", delimiter: ";", quote: ";" });
    expect(result.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["quote", "the quote and the delimiter must differ"]]);
  });

  it("lists every problem of the invalid config fixture", async () => {
    const fixture: unknown = JSON.parse(await readFile(path.join(FIXTURES, "csv-invalid-config.json"), "utf8"));
    const result = csvConfigSchema.safeParse(fixture);
    expect(result.success).toBe(false);
    const problems = (result.error?.issues ?? []).map((issue) => `${issue.path.join(".") || "(source)"}: ${issue.message}`);
    expect(problems.sort()).toEqual(
      [
        "path: give the path of the CSV file",
        'delimiter: use "auto", ",", ";", "\\t" (or "tab") or "|"',
        "encoding: use one of auto, utf-8, windows-1252, latin1, iso-8859-1, iso-8859-15, utf-16le, utf-16be",
        "quote: the quote must be exactly one character",
        "header: only files with a header row are read: the first row must name the columns",
        "skipEmptyLines: Invalid input: expected boolean, received string",
        '(source): Unrecognized key: "delimeter"',
      ].sort(),
    );
  });
});
