// `reports list` and `reports show` against a seeded SQLite store: tables, filters, JSON, and every refusal.
process.env.TZ = "Europe/Rome";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { reportsCommand, runReportsList, runReportsShow, type ListOptions, type ShowOptions } from "../../src/cli/reports.js";
import { isSyncError } from "../../src/errors.js";
import { openStore } from "../../src/store/index.js";
import { Collector } from "../helpers/collect.js";
import { tempDir } from "../helpers/temp.js";
import { seedReports } from "./store-suite.js";

const dir = await tempDir("pbsync-reports-");
const file = path.join(dir, "reports.sqlite");
let ids: { crm: number; erp: number; failed: number };

beforeAll(async () => {
  ids = await seedReports(file);
});

async function list(options: Omit<ListOptions, "store"> = {}): Promise<string> {
  const out = new Collector();
  await runReportsList({ store: file, width: null, ...options }, out);
  return out.text;
}

async function show(options: Omit<ShowOptions, "store">): Promise<string> {
  const out = new Collector();
  await runReportsShow({ store: file, width: null, ...options }, out);
  return out.text;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the command to fail");
}

describe("reports list", () => {
  it("prints the runs newest first, with local start times, durations and counts", async () => {
    expect(await list()).toBe(
      [
        "run  job  trigger   status        started              duration  read  ins  upd  unchanged  skipped  warn  err  deleted",
        "---  ---  --------  ------------  -------------------  --------  ----  ---  ---  ---------  -------  ----  ---  -------",
        "  3  crm  schedule  failed (dry)  2025-03-03 02:00:00      0.4s     0    0    0          0        0     0    0        0",
        "  2  erp  cli       partial       2025-03-02 14:30:00    4m 05s   300    1  150        140        0   151    5        1",
        "  1  crm  schedule  success       2025-03-01 10:00:00      8.2s   120    1    1        117        1     0    0        0",
        "",
      ].join("\n"),
    );
  });

  it("filters by job and limits the number of runs", async () => {
    const crm = (await list({ job: "crm" })).split("\n").slice(2, -1);
    expect(crm.map((line) => line.trim().split(/\s+/)[0])).toEqual(["3", "1"]);
    const latest = (await list({ limit: 1 })).split("\n").slice(2, -1);
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatch(/^ {2}3 {2}crm/);
    expect(await list({ job: "nobody" })).toBe(`No runs of job "nobody" in ${file}.\n`);
  });

  it("prints JSON with ISO times and every count", async () => {
    const runs = JSON.parse(await list({ json: true })) as Array<Record<string, unknown>>;
    expect(runs.map((run) => run["id"])).toEqual([ids.failed, ids.erp, ids.crm]);
    expect(runs[1]).toMatchObject({
      job: "erp",
      status: "partial",
      dryRun: false,
      startedAt: "2025-03-02T13:30:00.000Z",
      endedAt: "2025-03-02T13:34:05.000Z",
      counts: { read: 300, updated: 150, warnings: 151, errors: 1, deleted: 1 },
    });
    expect(runs[0]).toMatchObject({ error: "SOURCE_SQL: connect ECONNREFUSED 127.0.0.1:3306", dryRun: true });
  });

  it("narrows for a small terminal by cutting text and headers, never numbers or start times", async () => {
    const lines = (await list({ width: 80 })).trimEnd().split("\n");
    expect(lines[0]).toBe("run  job  trigger   status    started              durat…  read  ins  upd  unc…  ski…  warn  err  del…");
    expect(lines[2]).toBe("  3  crm  schedule  failed …  2025-03-03 02:00:00    0.4s     0    0    0     0     0     0    0     0");
    expect(lines[3]).toBe("  2  erp  cli       partial   2025-03-02 14:30:00  4m 05s   300    1  150   140     0   151    5     1");
  });

  it("says so when a store holds no runs yet", async () => {
    const empty = path.join(dir, "empty.sqlite");
    await (await openStore({ client: "sqlite", filename: empty })).close();
    const out = new Collector();
    await runReportsList({ store: empty }, out);
    expect(out.text).toBe(`No runs yet in ${empty}.\n`);
  });
});

describe("reports show", () => {
  it("prints the run's header, then its contacts, then how many more there are", async () => {
    const text = await show({ run: String(ids.erp), limit: 10 });
    const [header, contacts] = text.split("\nContacts: 157\n");
    expect(header).toContain(`Run ${ids.erp}\n`);
    expect(header).toMatch(/ {2}job +erp\n/);
    expect(header).toMatch(/ {2}PBX +https:\/\/pbx\.example\/PBX\/seri_endpoint\.php\n/);
    expect(header).toMatch(/ {2}status +partial\n/);
    expect(header).toMatch(/ {2}ended +2025-03-02 14:34:05 \(4m 05s\)\n/);
    expect(header).toMatch(/ {4}with warnings +151\n/);
    expect(header).toMatch(/ {4}rejected by PBX +1\n/);
    const lines = (contacts ?? "").split("\n");
    expect(lines[0]).toMatch(/^ref +external id +name +outcome +pbx id +info$/);
    expect(lines[2]).toMatch(/^line 10 +ext-10 +Rossi, "Gigi" Luigi +error +first line ⏎ second line$/);
    expect(lines[4]).toMatch(/^line 12 +\+390212345678 +Contact 12 +warning +77 +-1$/);
    expect(lines.slice(2, 12)).toHaveLength(10);
    expect(lines[12]).toBe("... and 147 more (use --limit or reports export)");
  });

  it("cuts long names and notes with … to fit the terminal", async () => {
    const text = await show({ run: String(ids.erp), limit: 5, width: 72 });
    const table = text.split("\nContacts: 157\n")[1] ?? "";
    const rows = table.trimEnd().split("\n");
    for (const line of rows) expect(line.length).toBeLessThanOrEqual(72);
    expect(rows[2]).toBe('line 10    ext-10        Rossi, "Gigi…  error              first line ⏎…');
    expect(rows[4]).toBe("line 12    +3902123456…  Contact 12     warning        77  -1");
  });

  it("filters the contacts by outcome, in any case and spacing", async () => {
    const text = await show({ run: String(ids.erp), outcome: " Error, REJECTED ,unconfirmed" });
    expect(text).toContain("\nContacts (error, rejected, unconfirmed): 3\n");
    const rows = text.split("\n").filter((line) => line.startsWith("line "));
    expect(rows.map((line) => line.split(/\s{2,}/)[0])).toEqual(["line 10", "line 11", "line 15"]);
    expect(text).not.toContain("more (use --limit");

    const warnings = await show({ run: String(ids.erp), outcome: "warning" });
    expect(warnings).toContain("\nContacts (warning): 151\n");
    expect(warnings).toContain("... and 51 more (use --limit or reports export)\n");
    // An update says which fields it changed, from what to what.
    const wide = await show({ run: String(ids.erp), outcome: "warning", width: 250 });
    expect(wide).toMatch(/line 100 +ext-100 +Contact 100 +warning +1000 +numfax dropped: not a number; company: Acme → Acme Srl; numfax: \+3902199 → \(empty\)\n/);
  });

  it("shows the latest run, with its error, and the latest of one job", async () => {
    const latest = await show({ run: "latest" });
    expect(latest).toContain(`Run ${ids.failed}\n`);
    expect(latest).toMatch(/ {2}status +failed \(dry run\)\n/);
    expect(latest).toContain("  error: SOURCE_SQL: connect ECONNREFUSED 127.0.0.1:3306\n");
    expect(latest).toContain("\nContacts: 0\n  none recorded (unchanged contacts are only counted)\n");
    expect(await show({ run: "latest", job: "erp", limit: 1 })).toContain(`Run ${ids.erp}\n`);
  });

  it("prints JSON: the run, the counts by outcome, the rows shown and how many more", async () => {
    const json = JSON.parse(await show({ run: String(ids.crm), json: true })) as {
      run: { id: number; job: string };
      results: Record<string, number>;
      rows: Array<Record<string, unknown>>;
      more: number;
    };
    expect(json.run).toMatchObject({ id: ids.crm, job: "crm" });
    expect(json.results).toMatchObject({ inserted: 1, updated: 1, skipped: 1, error: 0 });
    expect(json.rows.map((row) => row["outcome"])).toEqual(["inserted", "updated", "skipped"]);
    expect(json.rows[0]).toEqual({
      run_id: ids.crm,
      seq: 1,
      ref: "line 2",
      uc_app_name: "crm",
      uc_external_id: "ext-2",
      display_name: "Contact 2",
      outcome: "inserted",
      action: "insert",
      pbx_id: "501",
      info: null,
      changes: null,
      sent: null,
    });
    expect(json.more).toBe(0);
  });

  it("answers RUN_NOT_FOUND for a run that is not there", async () => {
    const err = await failure(show({ run: "999" }));
    expect(isSyncError(err, "RUN_NOT_FOUND")).toBe(true);
    expect(err.message).toBe(`run 999 is not in ${file}`);
    const none = await failure(show({ run: "latest", job: "nobody" }));
    expect(isSyncError(none, "RUN_NOT_FOUND")).toBe(true);
  });

  it("refuses an unknown outcome, listing the valid ones, and a run that is not a number", async () => {
    const err = await failure(show({ run: String(ids.erp), outcome: "warning,warnings,bogus" }));
    expect(isSyncError(err, "USAGE")).toBe(true);
    expect(err.message).toBe(
      'unknown outcome "warnings", "bogus" in --outcome: use a comma list of inserted, updated, warning, skipped, invalid, duplicate, rejected, error, unconfirmed, deleted, kept',
    );
    const notNumber = await failure(show({ run: "last" }));
    expect(isSyncError(notNumber, "USAGE")).toBe(true);
    expect(notNumber.message).toBe('invalid run "last": give a run id (a number) or "latest"');
  });
});

describe("reports store selection", () => {
  it("says there are no reports yet, and creates nothing, when the store file is missing", async () => {
    const missing = path.join(dir, "nothing-here", "phonebook-sync.sqlite");
    const err = await failure(list({ store: missing } as ListOptions));
    const direct = await failure(runReportsList({ store: missing }, new Collector()));
    for (const error of [err, direct]) {
      expect(isSyncError(error, "STORE_FAILED")).toBe(true);
      expect(error.message).toBe(`no reports yet at ${missing} (run a sync first)`);
    }
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it("reads the store a configuration file names, relative to the file", async () => {
    const config = path.join(dir, "config.yaml");
    await writeFile(
      config,
      [
        "pbx:",
        "  url: https://pbx.example/PBX/seri_endpoint.php",
        "  token: ${VOISPEED_TOKEN}",
        "store:",
        "  client: sqlite",
        "  filename: ./reports.sqlite",
        "jobs:",
        "  - name: crm",
        "    appName: crm-contacts",
        "    source: { type: csv, path: ./contacts.csv }",
        "    mapping: ./mapping.yaml",
        "",
      ].join("\n"),
    );
    const out = new Collector();
    await runReportsList({ config, env: { VOISPEED_TOKEN: "secret-token" }, job: "erp" }, out);
    expect(out.text).toMatch(/^ {2}2 {2}erp {2}cli/m);
    const both = await failure(runReportsList({ config, store: file }, new Collector()));
    expect(isSyncError(both, "USAGE")).toBe(true);
  });
});

describe("reports command line", () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it("exits 2 for a bad --limit, an unknown run or an unknown outcome", async () => {
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      for (const args of [
        ["list", "--limit", "0", "--store", file],
        ["show", "424242", "--store", file],
        ["show", "latest", "--outcome", "oops", "--store", file],
        ["export", "latest", "--format", "xml", "--store", file],
      ]) {
        process.exitCode = undefined;
        await reportsCommand().parseAsync(args, { from: "user" });
        expect(process.exitCode, args.join(" ")).toBe(2);
      }
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join("")).toContain('error USAGE: invalid --limit "0": use a whole number from 1');
    expect(stderr.join("")).toContain("error RUN_NOT_FOUND: run 424242 is not in");
    expect(stderr.join("")).toContain('error USAGE: unknown outcome "oops"');
    expect(stderr.join("")).toContain('error USAGE: invalid --format "xml": use csv, json, ndjson');
  });
});
