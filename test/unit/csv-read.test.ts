// The CSV connector on real files: encodings, byte-order marks, delimiters, quoting, line numbers, broken rows.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import { beforeAll, describe, expect, it } from "vitest";
import { csvConfigSchema, csvConnector } from "../../connectors/csv.js";
import { MAX_RECORD_CHARS } from "../../connectors/csv-rows.js";
import type { SourceItem, SourceRecord } from "../../connectors/types.js";
import { createLogger } from "../../src/logger.js";
import { Collector } from "../helpers/collect.js";
import { tempDir } from "../helpers/temp.js";
import { withoutFingerprint } from "../helpers/csv-items.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

function csv(options: Record<string, unknown>) {
  return csvConfigSchema.parse({ type: "csv", ...options });
}

async function readAll(options: Record<string, unknown>, baseDir = FIXTURES, ctx: { log?: Collector } = {}): Promise<SourceItem[]> {
  const logger = ctx.log ? createLogger({ destination: ctx.log, level: "debug" }) : undefined;
  const items: SourceItem[] = [];
  for await (const item of csvConnector.read(csv(options), { baseDir, ...(logger ? { logger } : {}) })) items.push(withoutFingerprint(item));
  return items;
}

function records(items: SourceItem[]): SourceRecord[] {
  expect(items.filter((item) => item.kind === "problem")).toEqual([]);
  return items.filter((item): item is SourceRecord => item.kind === "record");
}

const CONTACTS = [
  { id: "1", first_name: "Giulia", last_name: "Rossi", company: "Società Alfa S.r.l.", phone: "+39 02 1234567", mobile: "+39 333 1234567", email: "giulia.rossi@alfa.example" },
  { id: "2", first_name: "Jürgen", last_name: "Müller", company: "Müller GmbH", phone: "+49 30 1234567", mobile: "", email: "j.mueller@mueller.example" },
  { id: "3", first_name: "Chloé", last_name: "Dubois", company: "Café de Flore", phone: "+33 1 45 48 55 26", mobile: "+33 6 12 34 56 78", email: "chloe@cafe.example" },
  { id: "4", first_name: "José", last_name: "García", company: "Peña y Asociados", phone: "+34 91 123 45 67", mobile: "", email: "jose@pena.example" },
];

/** The semicolon export Italian Excel writes, as text: encoded per test into the code page under test. */
const ITALIAN_EXPORT = "Nome;Cognome;Azienda;Città\r\nGiulia;Rossi;Società Alfa;Forlì\r\nJürgen;Müller;Müller GmbH;München\r\nChloé;Dubois;Café de Flore;Paris\r\n";
const ITALIAN_RECORDS = [
  { Nome: "Giulia", Cognome: "Rossi", Azienda: "Società Alfa", Città: "Forlì" },
  { Nome: "Jürgen", Cognome: "Müller", Azienda: "Müller GmbH", Città: "München" },
  { Nome: "Chloé", Cognome: "Dubois", Azienda: "Café de Flore", Città: "Paris" },
];
/** Excel's "Unicode text" export: tab-separated, UTF-16LE. */
const UNICODE_TEXT = "name\tcompany\tphone\r\nGiulia Rossi\tSocietà Alfa\t+39 02 1234567\r\nZoë Ñandú\t東京商事\t+81 3 1234 5678\r\n";
const UNICODE_RECORDS = [
  { name: "Giulia Rossi", company: "Società Alfa", phone: "+39 02 1234567" },
  { name: "Zoë Ñandú", company: "東京商事", phone: "+81 3 1234 5678" },
];

let dir: string;
beforeAll(async () => {
  dir = await tempDir("pbsync-csv-");
  await writeFile(path.join(dir, "italian-1252.csv"), iconv.encode(ITALIAN_EXPORT, "windows-1252"));
  await writeFile(path.join(dir, "unicode-text.txt"), Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(UNICODE_TEXT, "utf-16le")]));
  await writeFile(path.join(dir, "unicode-be-bom.txt"), Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(UNICODE_TEXT, "utf-16be")]));
  await writeFile(path.join(dir, "unicode-be.txt"), iconv.encode(UNICODE_TEXT, "utf-16be"));
});

async function write(name: string, content: string | Buffer): Promise<void> {
  await writeFile(path.join(dir, name), content);
}

describe("CSV connector: encodings and byte-order marks", () => {
  it("reads a comma-separated UTF-8 file, one record per line keyed by the header's names", async () => {
    const items = records(await readAll({ path: "csv-comma-utf8.csv" }));
    expect(items.map((item) => item.ref)).toEqual(["line 2", "line 3", "line 4", "line 5"]);
    expect(items.map((item) => item.fields)).toEqual(CONTACTS);
  });

  it("strips a UTF-8 byte-order mark, so the first column is plain \"id\"", async () => {
    const checked = await csvConnector.check(csv({ path: "csv-comma-utf8-bom.csv" }), { baseDir: FIXTURES });
    expect(checked.columns?.[0]).toBe("id");
    expect(checked.columns?.[0]?.charCodeAt(0)).toBe(0x69);
    const items = records(await readAll({ path: "csv-comma-utf8-bom.csv" }));
    expect(items.map((item) => item.fields)).toEqual(CONTACTS);
    expect(Object.keys(items[0]?.fields ?? {})[0]).toBe("id");
  });

  it("reads Excel's semicolon \"CSV UTF-8\" with a byte-order mark and CRLF line ends", async () => {
    const items = records(await readAll({ path: "csv-semicolon-utf8-bom.csv" }));
    expect(items.map((item) => item.ref)).toEqual(["line 2", "line 3", "line 4"]);
    expect(items.map((item) => item.fields)).toEqual([
      { Nome: "Giulia", Cognome: "Rossi", Azienda: "Società Alfa S.r.l.", Telefono: "02 1234567", Cellulare: "333 1234567", Note: "cliente dal 2019, fatturazione trimestrale" },
      { Nome: "Marco", Cognome: "Bianchi", Azienda: "Bianchi & Figli", Telefono: "06 7654321", Cellulare: "", Note: "" },
      { Nome: "Anna", Cognome: "Verdi", Azienda: "Verdi; Neri S.p.A.", Telefono: "011 555666", Cellulare: "347 9876543", Note: 'nota con "virgolette"' },
    ]);
  });

  it("reads a semicolon windows-1252 export with accented names", async () => {
    const items = records(await readAll({ path: "italian-1252.csv", encoding: "windows-1252" }, dir));
    expect(items.map((item) => item.fields)).toEqual(ITALIAN_RECORDS);
    expect(items.map((item) => item.ref)).toEqual(["line 2", "line 3", "line 4"]);
  });

  it("reads Excel \"Unicode text\" (tab-separated UTF-16LE with a BOM) even when the config says utf-8", async () => {
    const byDefault = records(await readAll({ path: "unicode-text.txt" }, dir));
    const explicit = records(await readAll({ path: "unicode-text.txt", encoding: "utf-16le" }, dir));
    expect(byDefault.map((item) => item.fields)).toEqual(UNICODE_RECORDS);
    expect(explicit.map((item) => item.fields)).toEqual(UNICODE_RECORDS);
    expect(byDefault.map((item) => item.ref)).toEqual(["line 2", "line 3"]);
    const checked = await csvConnector.check(csv({ path: "unicode-text.txt" }), { baseDir: dir });
    expect(checked.columns).toEqual(["name", "company", "phone"]);
  });

  it("reads UTF-16BE with a byte-order mark, and without one when the encoding says so", async () => {
    expect(records(await readAll({ path: "unicode-be-bom.txt" }, dir)).map((item) => item.fields)).toEqual(UNICODE_RECORDS);
    expect(records(await readAll({ path: "unicode-be.txt", encoding: "utf-16be" }, dir)).map((item) => item.fields)).toEqual(UNICODE_RECORDS);
  });

  it("tells latin1, iso-8859-15 and windows-1252 apart where they differ", async () => {
    // 0xA4 is "€" in iso-8859-15 and "¤" in latin1; 0x80 is "€" in windows-1252 and a control character in latin1.
    await write("codepages.csv", Buffer.from([...Buffer.from("a,b\n"), 0xa4, 0x2c, 0x80, 0x0a]));
    const read = async (encoding: string) => records(await readAll({ path: "codepages.csv", encoding }, dir))[0]?.fields;
    expect(await read("iso-8859-15")).toEqual({ a: "€", b: "\u0080" });
    expect(await read("latin1")).toEqual({ a: "¤", b: "\u0080" });
    expect(await read("iso-8859-1")).toEqual({ a: "¤", b: "\u0080" });
    expect(await read("windows-1252")).toEqual({ a: "¤", b: "€" });
  });

  it("lets a UTF-8 byte-order mark win over a single-byte encoding, and logs a warning", async () => {
    const log = new Collector();
    const items = records(await readAll({ path: "csv-comma-utf8-bom.csv", encoding: "windows-1252" }, FIXTURES, { log }));
    expect(items.map((item) => item.fields)).toEqual(CONTACTS);
    expect(log.text).toContain("csv-comma-utf8-bom.csv: the file starts with a utf-8 byte-order mark; read as utf-8, not windows-1252");
  });
});

describe("CSV connector: delimiters", () => {
  it.each([
    [",", "comma"],
    [";", "semicolon"],
    ["\t", "tab"],
    ["|", "pipe"],
  ])("detects the %j delimiter (%s) from the header", async (delimiter, label) => {
    const file = `delimiter-${label}.csv`;
    await write(file, ["name", "company", "phone"].join(delimiter) + "\n" + ["Giulia", "Alfa, S.r.l.; Milano", "+39 02 1234567"].map((v) => `"${v}"`).join(delimiter) + "\n");
    const items = records(await readAll({ path: file }, dir));
    expect(items.map((item) => item.fields)).toEqual([{ name: "Giulia", company: "Alfa, S.r.l.; Milano", phone: "+39 02 1234567" }]);
  });

  it("uses the configured delimiter instead of sniffing", async () => {
    await write("explicit.csv", "a;b,c\n1;2,3\n");
    expect(records(await readAll({ path: "explicit.csv", delimiter: "," }, dir)).map((item) => item.fields)).toEqual([{ "a;b": "1;2", c: "3" }]);
    expect(records(await readAll({ path: "explicit.csv" }, dir)).map((item) => item.fields)).toEqual([{ a: "1", "b,c": "2,3" }]);
  });

  it("reads a one-column file", async () => {
    await write("one-column.csv", "phone\n+39 02 1234567\n+39 06 7654321\n");
    expect(records(await readAll({ path: "one-column.csv" }, dir)).map((item) => item.fields)).toEqual([{ phone: "+39 02 1234567" }, { phone: "+39 06 7654321" }]);
  });

  it("honours a custom quote character", async () => {
    await write("single-quote.csv", "name,company\n'Rossi, Giulia','It''s Alfa'\n");
    expect(records(await readAll({ path: "single-quote.csv", quote: "'" }, dir)).map((item) => item.fields)).toEqual([
      { name: "Rossi, Giulia", company: "It's Alfa" },
    ]);
  });
});

describe("CSV connector: quoting and line numbers", () => {
  it("keeps embedded newlines, commas and doubled quotes, and numbers records by the line they start on", async () => {
    const items = records(await readAll({ path: "csv-quoted.csv" }));
    expect(items.map((item) => item.ref)).toEqual(["line 2", "line 6", "line 7"]);
    expect(items.map((item) => item.fields)).toEqual([
      {
        id: "1",
        name: "Rossi, Giulia",
        company: 'Alfa "The Best" S.r.l.',
        address: "Via Roma 1\n20100 Milano",
        phone: "+39 02 1234567",
        notes: "first line\nsecond line\nthird line",
      },
      { id: "2", name: "Bianchi", company: "Beta", address: "Via Po 2", phone: "+39 06 7654321", notes: "" },
      { id: "3", name: "Verdi", company: "Gamma, Inc.", address: "", phone: "+39 011 555666", notes: 'he said "call me"' },
    ]);
  });

  it("counts an Excel file's CRLF rows and the LF breaks inside its cells as editors do", async () => {
    await write("excel-crlf.csv", 'id,note\r\n1,"a\nb\nc"\r\n2,x\r\n\r\n3,"y\r\nz"\r\n4,w\r\n');
    const items = records(await readAll({ path: "excel-crlf.csv" }, dir));
    expect(items.map((item) => [item.ref, item.fields["note"]])).toEqual([
      ["line 2", "a\nb\nc"],
      ["line 5", "x"],
      ["line 7", "y\r\nz"],
      ["line 9", "w"],
    ]);
  });

  it("reads old Mac files whose lines end in a lone CR", async () => {
    await write("mac.csv", "id,name\r1,a\r2,b\r");
    expect(records(await readAll({ path: "mac.csv" }, dir)).map((item) => [item.ref, item.fields["name"]])).toEqual([
      ["line 2", "a"],
      ["line 3", "b"],
    ]);
  });

  it("reads a last line that has no line break", async () => {
    await write("no-final-break.csv", "id,name\n1,a\n2,b");
    expect(records(await readAll({ path: "no-final-break.csv" }, dir)).map((item) => [item.ref, item.fields["name"]])).toEqual([
      ["line 2", "a"],
      ["line 3", "b"],
    ]);
  });

  it("skips empty lines and lines holding only delimiters, before the header too", async () => {
    await write("blank-lines.csv", "\n\na;b;c\n1;2;3\n;;\n\n  \n4;5;6\n\n");
    const items = records(await readAll({ path: "blank-lines.csv" }, dir));
    expect(items.map((item) => [item.ref, item.fields])).toEqual([
      ["line 4", { a: "1", b: "2", c: "3" }],
      ["line 8", { a: "4", b: "5", c: "6" }],
    ]);
  });

  it("reports an empty line as a short row when skipEmptyLines is off", async () => {
    await write("keep-blank.csv", "a,b\n1,2\n\n3,4\n");
    const items = await readAll({ path: "keep-blank.csv", skipEmptyLines: false }, dir);
    expect(items.map(withoutFields)).toEqual([
      { kind: "record", ref: "line 2", fields: { a: "1", b: "2" } },
      { kind: "problem", ref: "line 3", code: "SOURCE_CSV_PARSE", message: "keep-blank.csv:3: row has 1 field, the header has 2" },
      { kind: "record", ref: "line 4", fields: { a: "3", b: "4" } },
    ]);
  });

  it("finds the header after blank lines even when skipEmptyLines is off", async () => {
    await write("blank-then-header.csv", "\n\nname,phone\nGiulia,1\n");
    expect(await readAll({ path: "blank-then-header.csv", skipEmptyLines: false }, dir)).toEqual([
      { kind: "record", ref: "line 4", fields: { name: "Giulia", phone: "1" } },
    ]);
    expect((await csvConnector.check(csv({ path: "blank-then-header.csv", skipEmptyLines: false }), { baseDir: dir })).columns).toEqual(["name", "phone"]);
  });

  it("yields nothing for a file with only a header", async () => {
    await write("header-only.csv", "name,phone\r\n");
    expect(await readAll({ path: "header-only.csv" }, dir)).toEqual([]);
    expect((await csvConnector.check(csv({ path: "header-only.csv" }), { baseDir: dir })).columns).toEqual(["name", "phone"]);
  });
});

describe("CSV connector: header names", () => {
  it("trims names, renames empty and repeated ones, and logs each change", async () => {
    await write("odd-header.csv", " name ,,phone,phone\nGiulia,x,1,2\n");
    const checked = await csvConnector.check(csv({ path: "odd-header.csv" }), { baseDir: dir });
    expect(checked.columns).toEqual(["name", "column_2", "phone", "phone_2"]);
    const log = new Collector();
    const items = records(await readAll({ path: "odd-header.csv" }, dir, { log }));
    expect(items[0]?.fields).toEqual({ name: "Giulia", column_2: "x", phone: "1", phone_2: "2" });
    expect(log.text).toContain('odd-header.csv:1: column 2 has no name: it is read as \\"column_2\\"');
    expect(log.text).toContain('odd-header.csv:1: column 4 repeats the name \\"phone\\": it is read as \\"phone_2\\"');
  });

  it("keeps the spaces around names when trimHeaders is off", async () => {
    await write("spaced-header.csv", " name ,phone\nGiulia,1\n");
    expect(records(await readAll({ path: "spaced-header.csv", trimHeaders: false }, dir))[0]?.fields).toEqual({ " name ": "Giulia", phone: "1" });
  });

  it("stores a column named __proto__ as a plain field", async () => {
    await write("proto.csv", "__proto__,name\nx,Giulia\n");
    const fields = records(await readAll({ path: "proto.csv" }, dir))[0]?.fields ?? {};
    expect(Object.keys(fields)).toEqual(["__proto__", "name"]);
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
  });
});

describe("CSV connector: broken rows", () => {
  it("reports each broken row with the file, the line and what is wrong, and reads the rows around it", async () => {
    const items = await readAll({ path: "csv-broken.csv" });
    expect(items.map(withoutFields)).toEqual([
      { kind: "record", ref: "line 2", fields: { id: "1", name: "Mario", company: "Acme", phone: "555 0001" } },
      { kind: "problem", ref: "line 3", code: "SOURCE_CSV_PARSE", message: "csv-broken.csv:3: row has 5 fields, the header has 4" },
      { kind: "problem", ref: "line 4", code: "SOURCE_CSV_PARSE", message: "csv-broken.csv:4: row has 3 fields, the header has 4" },
      { kind: "problem", ref: "line 5", code: "SOURCE_CSV_PARSE", message: 'csv-broken.csv:5: unclosed quote in field "company"' },
      { kind: "record", ref: "line 6", fields: { id: "5", name: "Daisy", company: "Sarasaland", phone: "555 0005" } },
      {
        kind: "problem",
        ref: "line 7",
        code: "SOURCE_CSV_PARSE",
        message:
          'csv-broken.csv:7: stray quote in field "company": a quoted value must end with the quote right before the delimiter or the line end (write "" for a quote inside it)',
      },
      { kind: "record", ref: "line 9", fields: { id: "7", name: "Bowser", company: "Koopa, Inc", phone: "555 0007" } },
      { kind: "record", ref: "line 10", fields: { id: "8", name: "Wario", company: "Ware \"Inc\"", phone: "555 0008" } },
    ]);
  });

  it("reports a quote left open at the end of the file and still reads the lines it swallowed", async () => {
    await write("open-at-end.csv", "id,name,phone\n1,a,1\n2,\"b,2\n3,c,3\n4,d,4\n");
    expect((await readAll({ path: "open-at-end.csv" }, dir)).map(withoutFields)).toEqual([
      { kind: "record", ref: "line 2", fields: { id: "1", name: "a", phone: "1" } },
      { kind: "problem", ref: "line 3", code: "SOURCE_CSV_PARSE", message: 'open-at-end.csv:3: unclosed quote in field "name"' },
      { kind: "record", ref: "line 4", fields: { id: "3", name: "c", phone: "3" } },
      { kind: "record", ref: "line 5", fields: { id: "4", name: "d", phone: "4" } },
    ]);
  });

  it("names a column past the header's end by its position", async () => {
    await write("quote-past-header.csv", "id,name\n1,a,\"x\" y,\"z\n2,b\n");
    const items = await readAll({ path: "quote-past-header.csv" }, dir);
    expect(withoutFields(items[0])).toEqual({ kind: "problem", ref: "line 2", code: "SOURCE_CSV_PARSE", message: "quote-past-header.csv:2: unclosed quote in column 3" });
    expect(items[1]).toEqual({ kind: "record", ref: "line 3", fields: { id: "2", name: "b" } });
  });
});

describe("CSV connector: what is left of a broken row", () => {
  it("hands on the values of a broken row by column, so the sync can recognise the contact in it", async () => {
    const items = (await readAll({ path: "csv-broken.csv" })).filter((item) => item.kind === "problem");
    expect(items.map((item) => [item.ref, item.kind === "problem" ? item.fields : undefined])).toEqual([
      ["line 3", { id: "2", name: "Luigi", company: "Acme", phone: "555 0002", "#5": "extra" }],
      ["line 4", { id: "3", name: "Peach", company: "Castle", phone: "" }],
      ["line 5", expect.objectContaining({ id: "4", name: "Toad" })],
      ["line 7", expect.objectContaining({ id: "6" })],
    ]);
  });

  it("hands on nothing of a record too long to have an end, since it may hide any number of rows", async () => {
    await write("endless.csv", `id,name\n1,"${"x".repeat(MAX_RECORD_CHARS + 10)}\n2,b\n`);
    const items = await readAll({ path: "endless.csv" }, dir);
    expect(items[0]).toMatchObject({ kind: "problem", ref: "line 2" });
    expect(items[0]).not.toHaveProperty("fields");
  });
});

describe("CSV connector: the Northwind customers", () => {
  const COLUMNS = ["customer_id", "company_name", "contact_name", "contact_title", "address", "city", "region", "postal_code", "country", "phone", "fax"];

  it("check() returns the 11 columns of the header", async () => {
    expect((await csvConnector.check(csv({ path: "northwind-customers.csv" }), { baseDir: FIXTURES })).columns).toEqual(COLUMNS);
  });

  it("reads all 91 customers, each with the line it is on", async () => {
    const items = records(await readAll({ path: "northwind-customers.csv" }));
    expect(items).toHaveLength(91);
    expect(items.map((item) => item.ref)).toEqual(Array.from({ length: 91 }, (_, i) => `line ${i + 2}`));
    expect(items[0]?.fields).toEqual({
      customer_id: "ALFKI",
      company_name: "Alfreds Futterkiste",
      contact_name: "Maria Anders",
      contact_title: "Sales Representative",
      address: "Obere Str. 57",
      city: "Berlin",
      region: "",
      postal_code: "12209",
      country: "Germany",
      phone: "030-0074321",
      fax: "030-0076545",
    });
    const blondel = items.find((item) => item.fields["customer_id"] === "BLONP");
    expect(blondel?.fields).toMatchObject({ company_name: "Blondesddsl père et fils", address: "24, place Kléber", city: "Strasbourg" });
    expect(new Set(items.map((item) => item.fields["customer_id"])).size).toBe(91);
  });
});

/** A problem item without the values read of its row, which a test of its own looks at. */
function withoutFields(item: SourceItem | undefined): SourceItem | undefined {
  if (item?.kind !== "problem") return item;
  const { fields: _fields, ...rest } = item;
  return rest;
}
