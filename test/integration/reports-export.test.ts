// `reports export`: CSV quoting and formula neutralization, JSON and NDJSON that parse back, files, streaming.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { runReportsExport, type ExportOptions } from "../../src/cli/reports.js";
import { isSyncError } from "../../src/errors.js";
import { csvCell, openStore } from "../../src/store/index.js";
import { Collector } from "../helpers/collect.js";
import { tempDir } from "../helpers/temp.js";
import { TRICKY, row, seedReports, zeroCounts } from "./store-suite.js";

const dir = await tempDir("pbsync-export-");
const file = path.join(dir, "reports.sqlite");
let ids: { crm: number; erp: number; failed: number };

beforeAll(async () => {
  ids = await seedReports(file);
});

async function exported(options: Omit<ExportOptions, "store">): Promise<string> {
  const out = new Collector();
  await runReportsExport({ store: file, ...options }, out);
  expect(out.writableEnded).toBe(false);
  return out.text;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the export to fail");
}

/** The seeded "erp" run's first seven rows, as every export format names them. */
function trickyRecords(runId: number): Array<Record<string, string | number | null>> {
  const base = (seq: number, n: number, outcome: string) => ({
    run_id: runId,
    seq,
    ref: `line ${n}`,
    uc_app_name: "crm",
    uc_external_id: `ext-${n}`,
    display_name: `Contact ${n}`,
    outcome,
    action: null,
    pbx_id: null,
    info: null,
    changes: null,
    sent: null,
  });
  return [
    { ...base(1, 10, "error"), display_name: TRICKY.commaQuotes, info: TRICKY.newline },
    { ...base(2, 11, "rejected"), info: TRICKY.formula },
    { ...base(3, 12, "warning"), uc_external_id: TRICKY.phone, action: "insert", pbx_id: "77", info: TRICKY.minus },
    { ...base(4, 13, "invalid"), uc_external_id: null, display_name: TRICKY.at, info: "numoffice: only digits" },
    { ...base(5, 14, "duplicate"), ref: TRICKY.tab, info: "uc_external_id ext-14 also on line 9" },
    { ...base(6, 15, "unconfirmed"), info: "the PBX answer does not mention this contact" },
    { ...base(7, 16, "deleted"), action: "delete", pbx_id: "78", sent: '{"name":"Contact","surname":"16","numoffice":"+39021600"}' },
  ];
}

describe("reports export as CSV", () => {
  it("writes a header and RFC 4180 records, with formulas neutralized by a leading apostrophe", async () => {
    const text = await exported({ run: String(ids.erp), format: "csv" });
    const run = ids.erp;
    expect(text.startsWith("run_id,seq,ref,uc_app_name,uc_external_id,display_name,outcome,action,pbx_id,info,changes,sent\r\n")).toBe(true);
    const records = text.split("\r\n");
    expect(records.slice(1, 8)).toEqual([
      `${run},1,line 10,crm,ext-10,"Rossi, ""Gigi"" Luigi",error,,,"first line\nsecond line",,`,
      `${run},2,line 11,crm,ext-11,Contact 11,rejected,,,"'=cmd|' /C calc'!A0",,`,
      `${run},3,line 12,crm,"'+390212345678",Contact 12,warning,insert,77,"'-1",,`,
      `${run},4,line 13,crm,,"'@SUM(A1:A2)",invalid,,,numoffice: only digits,,`,
      `${run},5,"'\tindented",crm,ext-14,Contact 14,duplicate,,,uc_external_id ext-14 also on line 9,,`,
      `${run},6,line 15,crm,ext-15,Contact 15,unconfirmed,,,the PBX answer does not mention this contact,,`,
      `${run},7,line 16,crm,ext-16,Contact 16,deleted,delete,78,,,"{""name"":""Contact"",""surname"":""16"",""numoffice"":""+39021600""}"`,
    ]);
    expect(records).toHaveLength(1 + 157 + 1);
    expect(records.at(-1)).toBe("");
  });

  it("parses back, cell for cell, with a CSV parser (apostrophe kept on neutralized cells)", async () => {
    const text = await exported({ run: String(ids.erp), format: "csv" });
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toHaveLength(157);
    const risky = /^[=+\-@\t\r]/;
    const expected = trickyRecords(ids.erp).map((record) =>
      Object.fromEntries(Object.entries(record).map(([key, value]) => [key, value === null ? "" : typeof value === "string" && risky.test(value) ? `'${value}` : String(value)])),
    );
    expect(parsed.data.slice(0, 7)).toEqual(expected);
  });

  it("quotes only where the RFC or the spreadsheet needs it", () => {
    expect(csvCell("plain text")).toBe("plain text");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\r\nlines")).toBe('"two\r\nlines"');
    expect(csvCell("\rreturn")).toBe("\"'\rreturn\"");
    expect(csvCell("=1+1")).toBe("\"'=1+1\"");
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
  });

  it("filters by outcome, adds a byte order mark on request, and writes a header alone for an empty run", async () => {
    const errors = await exported({ run: String(ids.erp), format: "csv", outcome: "error,deleted", bom: true });
    expect(errors.startsWith("\uFEFFrun_id,seq,")).toBe(true);
    const lines = errors.split("\r\n").slice(1, -1);
    expect(lines.map((line) => line.split(",")[1])).toEqual(["1", "7"]);
    expect(await exported({ run: String(ids.failed), format: "csv" })).toBe("run_id,seq,ref,uc_app_name,uc_external_id,display_name,outcome,action,pbx_id,info,changes,sent\r\n");
  });
});

describe("reports export for Excel", () => {
  it("separates cells with ';' (or tab) on request, quoting the values that hold it, and parses back", async () => {
    const text = await exported({ run: String(ids.erp), format: "csv", delimiter: ";" });
    expect(text.startsWith("run_id;seq;ref;uc_app_name;")).toBe(true);
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, delimiter: ";", skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toHaveLength(157);
    expect(parsed.data[0]?.["display_name"]).toBe(TRICKY.commaQuotes);
    const tabbed = await exported({ run: String(ids.erp), format: "csv", delimiter: "tab" });
    expect(tabbed.split("\r\n")[0]).toBe("run_id\tseq\tref\tuc_app_name\tuc_external_id\tdisplay_name\toutcome\taction\tpbx_id\tinfo\tchanges\tsent");
    const error = await failure(exported({ run: String(ids.erp), format: "csv", delimiter: "|" }));
    expect(error.message).toMatch(/invalid --delimiter "\|": use "," \(the default\), ";"/);
  });

  it("starts a .csv file given with --output with a byte order mark, unless told not to; standard output gets none", async () => {
    const target = path.join(dir, "report.csv");
    await runReportsExport({ store: file, run: String(ids.erp), format: "csv", output: target }, new Collector());
    expect((await readFile(target, "utf8")).startsWith("\uFEFFrun_id,")).toBe(true);
    await runReportsExport({ store: file, run: String(ids.erp), format: "csv", output: target, bom: false }, new Collector());
    expect((await readFile(target, "utf8")).startsWith("run_id,")).toBe(true);
    const other = path.join(dir, "report.txt");
    await runReportsExport({ store: file, run: String(ids.erp), format: "csv", output: other }, new Collector());
    expect((await readFile(other, "utf8")).startsWith("run_id,")).toBe(true);
    expect((await exported({ run: String(ids.erp), format: "csv" })).startsWith("run_id,")).toBe(true);
  });
});

describe("reports export as JSON and NDJSON", () => {
  it("writes a JSON array that parses back to the recorded rows", async () => {
    const rows = JSON.parse(await exported({ run: String(ids.erp), format: "json" })) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(157);
    expect(rows.slice(0, 7)).toEqual(trickyRecords(ids.erp));
    expect(rows.map((item) => item["seq"])).toEqual(Array.from({ length: 157 }, (_, i) => i + 1));
    expect(rows[156]).toMatchObject({
      ref: "line 249",
      outcome: "warning",
      action: "update",
      pbx_id: "1149",
      info: "numfax dropped: not a number",
      changes: "company: Acme → Acme Srl; numfax: +3902199 → (empty)",
      sent: '{"company":"Acme Srl","numoffice":"+3902100"}',
    });
    expect(JSON.parse(await exported({ run: String(ids.failed), format: "json" }))).toEqual([]);
  });

  it("writes one JSON object a line, equal to the JSON array", async () => {
    const ndjson = await exported({ run: "latest", job: "erp", format: "NDJSON" });
    const lines = ndjson.split("\n");
    expect(lines.at(-1)).toBe("");
    const rows = lines.slice(0, -1).map((line) => JSON.parse(line) as unknown);
    expect(rows).toEqual(JSON.parse(await exported({ run: String(ids.erp), format: "json" })));
  });
});

describe("reports export to a file and at scale", () => {
  it("writes the same bytes to --output as to standard output (a .csv file with its byte order mark)", async () => {
    const output = path.join(dir, "erp.csv");
    await runReportsExport({ store: file, run: String(ids.erp), format: "csv", output }, new Collector());
    expect(await readFile(output, "utf8")).toBe(`\uFEFF${await exported({ run: String(ids.erp), format: "csv" })}`);
  });

  it("refuses a missing or unknown format and an output it cannot write", async () => {
    const missing = await failure(exported({ run: "latest" }));
    expect(isSyncError(missing, "USAGE")).toBe(true);
    expect(missing.message).toBe("--format is required: use csv, json, ndjson");
    const xml = await failure(exported({ run: "latest", format: "xml" }));
    expect(xml.message).toBe('invalid --format "xml": use csv, json, ndjson');
    const output = path.join(dir, "no-such-dir", "out.csv");
    const unwritable = await failure(runReportsExport({ store: file, run: String(ids.erp), format: "csv", output }, new Collector()));
    expect(isSyncError(unwritable, "USAGE")).toBe(true);
    expect(unwritable.message).toContain(`cannot write the export to ${output}`);
    const unknownRun = await failure(exported({ run: "9999", format: "csv" }));
    expect(isSyncError(unknownRun, "RUN_NOT_FOUND")).toBe(true);
  });

  it("streams a 20,000-row run through a slow reader without buffering it whole", async () => {
    const big = path.join(dir, "big.sqlite");
    const store = await openStore({ client: "sqlite", filename: big });
    const runId = await store.createRun({ job: "big", appName: "big", trigger: "cli", pbx: "x" });
    await store.recordResults(runId, Array.from({ length: 20_000 }, (_, i) => row(i + 1, "inserted", { info: `note ${"x".repeat(60)}` })));
    await store.finishRun(runId, { status: "success", counts: { ...zeroCounts(), read: 20_000, inserted: 20_000 } });
    await store.close();

    let bytes = 0;
    let peak = 0;
    let lines = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        lines += chunk.toString().split("\r\n").length - 1;
        setImmediate(done);
      },
    });
    const watch = setInterval(() => (peak = Math.max(peak, slow.writableLength)), 1);
    const count = await runReportsExport({ store: big, run: String(runId), format: "csv" }, slow);
    clearInterval(watch);
    expect(count).toBe(20_000);
    expect(lines).toBe(20_001);
    expect(bytes).toBeGreaterThan(1_500_000);
    // at most a chunk or two waits in the stream's buffer, never the export
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(300_000);
  });
});
