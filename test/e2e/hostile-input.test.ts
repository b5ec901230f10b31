// Hostile CSV files, mappings and configurations through the real CLI against the in-process emulator: each gives a
// report row or an error naming file and line; none crashes the process, hangs, or keeps the good neighbours out.
import { copyFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { openStore, toExportRecord, type ExportRecord, type RunRow } from "../../src/store/index.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-E2E-HOSTILE-5c1d";
const FIXTURES = fileURLToPath(new URL("../fixtures/hostile/", import.meta.url));
/** Every CLI call ends within this, or is killed: a hang fails the test instead of holding CI. */
const CLI_TIMEOUT_MS = 30_000;
/** The good rows every CSV fixture has around its hostile ones (ids 1, 2, 3, 4, 6 where present). */
const GOOD_NAME = /^Good \d$/;

let emulator: RunningEmulator;
let dir: string;

/** The CSV jobs of one configuration: job name (also the fixture's name) -> uc_app_name. */
const CSV_JOBS = {
  "unclosed-quote": "UNCLOSED",
  "ragged-rows": "RAGGED",
  "nul-bytes": "NUL",
  "mixed-line-endings": "MIXED",
  numbers: "NUMBERS",
  names: "NAMES",
  ids: "IDS",
} as const;

function jobYaml(name: string, appName: string, source: string, mapping = "./mapping.yaml"): string {
  return `  - name: ${name}\n    appName: ${appName}\n    source: ${source}\n    mapping: ${mapping}\n`;
}

async function writeConfig(file: string, jobs: string): Promise<string> {
  const full = path.join(dir, file);
  // The store is named after the configuration: report() finds it so.
  await writeFile(full, `pbx:\n  url: ${emulator.url}\n  token: \${VOISPEED_TOKEN}\nstore: { client: sqlite, filename: ./${file.replace(/\.yaml$/, ".sqlite")} }\njobs:\n${jobs}`);
  return full;
}

function cli(args: readonly string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { VOISPEED_TOKEN: TOKEN }, timeoutMs: CLI_TIMEOUT_MS });
}

/** The process ended by itself (no kill at the timeout) and said nothing of a bug. */
function expectNoCrash(result: CliResult): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.signal, output).toBeNull();
  expect(output).not.toMatch(/INTERNAL|This is a bug|Maximum call stack|at .*\.js:\d+:\d+/);
}

interface Report {
  run: RunRow;
  rows: ExportRecord[];
}

/**
 * The latest run of a job and its rows as `reports show latest --job JOB --json` prints them (toExportRecord), read
 * from the store in-process: one CLI call per job would cost seconds; one test runs the command itself.
 */
async function report(config: string, job: string): Promise<Report> {
  const store = await openStore({ client: "sqlite", filename: config.replace(/\.yaml$/, ".sqlite") }, { mustExist: true });
  try {
    const run = await store.latestRun(job);
    if (!run) throw new Error(`no run of ${job}`);
    const rows: ExportRecord[] = [];
    for await (const row of store.results(run.id)) rows.push(toExportRecord(row));
    return { run, rows };
  } finally {
    await store.close();
  }
}

function rowOf(rows: readonly ExportRecord[], ref: string): ExportRecord {
  const found = rows.find((row) => row.ref === ref);
  if (!found) throw new Error(`no report row for ${ref}; rows: ${JSON.stringify(rows.map((row) => [row.ref, row.outcome, row.info]))}`);
  return found;
}

/** The good neighbours reached the PBX under the job's app name. */
function expectNeighbours(appName: string, ids: readonly string[]): void {
  for (const id of ids) expect(emulator.phonebook.find(appName, id)?.name, `${appName} ${id}`).toMatch(GOOD_NAME);
}

let many: { config: string; result: CliResult };
let encodings: { config: string; result: CliResult };
let configBomb: CliResult;
let badMappings: CliResult;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  dir = await tempDir("pbsync-hostile-");
  for (const file of await readdir(FIXTURES)) await copyFile(path.join(FIXTURES, file), path.join(dir, file));
  // A mapping of 10 MB (a log file named by mistake): refused by its size, before any parsing.
  await writeFile(path.join(dir, "huge-mapping.yaml"), `version: 1\nexternalId: id\n# ${"x".repeat(10 * 1024 * 1024)}\n`);

  const manyJobs = Object.entries(CSV_JOBS)
    .map(([name, appName]) => jobYaml(name, appName, `{ type: csv, path: ./${name}.csv }`))
    .join("");
  const manyConfig = await writeConfig("many.yaml", manyJobs);
  const encodingsConfig = await writeConfig(
    "encodings.yaml",
    jobYaml("wrong-encoding", "WRONGENC", "{ type: csv, path: ./wrong-encoding.csv, encoding: utf-8 }") +
      jobYaml("utf16-no-bom", "UTF16", "{ type: csv, path: ./utf16-no-bom.csv }"),
  );
  const mappingsConfig = await writeConfig(
    "bad-mappings.yaml",
    jobYaml("bomb", "BOMB", "{ type: csv, path: ./ids.csv }", "./alias-bomb-mapping.yaml") +
      jobYaml("huge", "HUGE", "{ type: csv, path: ./ids.csv }", "./huge-mapping.yaml"),
  );
  // Independent runs, each with its own store: side by side, the file takes the time of the slowest.
  const [manyResult, encodingsResult, bombResult, mappingsResult] = await Promise.all([
    cli(["sync", "--config", manyConfig, "--plain"]),
    cli(["sync", "--config", encodingsConfig, "--plain"]),
    cli(["sync", "--config", path.join(dir, "alias-bomb-config.yaml"), "--plain"]),
    cli(["sync", "--config", mappingsConfig, "--plain"]),
  ]);
  many = { config: manyConfig, result: manyResult };
  encodings = { config: encodingsConfig, result: encodingsResult };
  configBomb = bombResult;
  badMappings = mappingsResult;
});
afterAll(() => emulator.close());

describe("hostile CSV files in one sync", () => {
  it("ends by itself with exit 3 (some records invalid), no crash", () => {
    expectNoCrash(many.result);
    expect(many.result.code, many.result.stdout + many.result.stderr).toBe(3);
  });

  it("reports an unclosed quote as an invalid row with file:line, and reads the rows it would swallow", async () => {
    const { rows } = await report(many.config, "unclosed-quote");
    expect(rowOf(rows, "line 3")).toMatchObject({ outcome: "invalid", info: expect.stringMatching(/unclosed-quote\.csv:3: unclosed quote in field "name"/) as unknown });
    expectNeighbours(CSV_JOBS["unclosed-quote"], ["1", "3", "4"]);
  });

  it("reports short and long rows with their field counts, never padded into the wrong columns", async () => {
    const { rows } = await report(many.config, "ragged-rows");
    expect(rowOf(rows, "line 3").info).toMatch(/ragged-rows\.csv:3: row has 3 fields, the header has 6/);
    expect(rowOf(rows, "line 4").info).toMatch(/ragged-rows\.csv:4: row has 8 fields, the header has 6/);
    expect(emulator.phonebook.find(CSV_JOBS["ragged-rows"], "2")).toBeUndefined();
    expectNeighbours(CSV_JOBS["ragged-rows"], ["1", "4"]);
  });

  it("takes NUL bytes out of names with a warning, and refuses an id holding one", async () => {
    const { rows } = await report(many.config, "nul-bytes");
    const stored = emulator.phonebook.find(CSV_JOBS["nul-bytes"], "2");
    expect(stored).toMatchObject({ name: "NulName", company: "NulCompany" });
    expect(stored?.ext_info).toEqual([{ caption: "Notes", value: "ab" }]);
    expect(rowOf(rows, "line 3").info).toMatch(/name: control characters removed \(U\+0000\)/);
    expect(rowOf(rows, "line 4")).toMatchObject({ outcome: "invalid", info: expect.stringMatching(/uc_external_id: "3<U\+0000>x" holds control characters/) as unknown });
    expectNeighbours(CSV_JOBS["nul-bytes"], ["1", "4"]);
  });

  it("reads every record of a file whose rows end in \\r\\n, \\n and \\r by turns, at the right lines", async () => {
    const { run, rows } = await report(many.config, "mixed-line-endings");
    expect(run.counts).toMatchObject({ read: 6, inserted: 6, invalid: 0 });
    expectNeighbours(CSV_JOBS["mixed-line-endings"], ["1", "2", "3", "4", "6"]);
    // The quoted line breaks of record 5 are part of its values; the mapping makes them spaces.
    expect(emulator.phonebook.find(CSV_JOBS["mixed-line-endings"], "5")).toMatchObject({ name: "Multi Line", ext_info: [{ caption: "Notes", value: "one two" }] });
    expect(rows.map((row) => row.ref)).toEqual(["line 2", "line 3", "line 4", "line 5", "line 6", "line 9"]);
  });

  it("leaves out numbers that are letters, emoji or 40 digits and extensions written x123 or int. 45, each with a warning", async () => {
    const { rows } = await report(many.config, "numbers");
    const app = CSV_JOBS.numbers;
    const number = (id: string) => emulator.phonebook.find(app, id)?.numoffice;
    // Every record arrives: a bad number is a warning, never a lost contact.
    for (const id of ["10", "11", "12", "13", "14", "15", "16", "17"]) expect(emulator.phonebook.find(app, id), id).toBeDefined();
    expect(number("10")).toBe("");
    expect(number("11")).toBe("");
    expect(number("12")).toBe("");
    expect(number("14")).toBe("+390733123456");
    expect(number("15")).toBe("+390733123456");
    expect(number("16")).toBe("+390733123456");
    expect(number("17")).toBe("+390733123456");
    // A "+" after the first digit is no prefix: dropped like any other separator.
    expect(number("13")).toBe("+390733123456");
    expect(rowOf(rows, "line 3").info).toMatch(/numoffice: "CALL-ME-NOW" is not a phone number; left empty/);
    expect(rowOf(rows, "line 5").info).toMatch(/numoffice: "1234567890123456789012345678901234567890"/);
    expect(rowOf(rows, "line 9").info).toMatch(/numoffice: extension "123" of "0733 123456 x123" left out/);
    expect(rowOf(rows, "line 10").info).toMatch(/numoffice: extension "45" of "0733 123456 int. 45" left out/);
    expectNeighbours(app, ["1", "2"]);
  });

  it("strips control characters and bidi overrides from names with a warning naming the field, keeps zero-width joiners, and markup as text", async () => {
    const { rows } = await report(many.config, "names");
    const app = CSV_JOBS.names;
    const stored = (id: string) => emulator.phonebook.find(app, id);
    expect(stored("20")).toMatchObject({ name: "Tab And Newline", company: "Bell Co", email: "esc@example.com" });
    expect(stored("21")).toMatchObject({ name: "C1 Next CSI", company: "Del Co" });
    expect(stored("22")).toMatchObject({ name: "issoR oiraM", company: "Isolate Co" });
    expect(stored("23")?.name).toBe("Family 👨\u200d👩\u200d👧");
    expect(stored("24")).toMatchObject({ name: "<script>alert(1)</script>", company: "<b>Bold</b> & Co" });
    expect(stored("25")?.name).toBe("=cmd|'/c calc'!A1");
    for (const id of ["20", "21", "22", "24", "25"]) expect(stored(id)?.ext_info).toEqual([{ caption: "Notes", value: `note ${id}` }]);
    // No character of the sets reached the PBX.
    for (const contact of emulator.phonebook.all().filter((c) => c.uc_app_name === app)) {
      // eslint-disable-next-line no-control-regex -- the characters that must not arrive
      expect(JSON.stringify(contact)).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|\\u00[01]/);
    }
    expect(rowOf(rows, "line 3").info).toMatch(/name: control characters removed \(U\+0009, U\+000A; line breaks and tabs became spaces\)/);
    expect(rowOf(rows, "line 3").info).toMatch(/company: control characters removed \(U\+0007\)/);
    expect(rowOf(rows, "line 3").info).toMatch(/email: control characters removed \(U\+001B\)/);
    expect(rowOf(rows, "line 3").info).toMatch(/ext_info "Notes": control characters removed \(U\+202E\)/);
    expect(rowOf(rows, "line 6").info).toMatch(/name: control characters removed \(U\+202E\)/);
    expect(rowOf(rows, "line 6").info).toMatch(/company: control characters removed \(U\+2066, U\+2069\)/);
    // An id is the key: never altered, the record is refused.
    expect(rowOf(rows, "line 10")).toMatchObject({ outcome: "invalid", info: expect.stringMatching(/uc_external_id: "2<U\+202E>6" holds control characters/) as unknown });
    expect(emulator.phonebook.all().some((c) => c.uc_app_name === app && (c.uc_external_id ?? "").includes("\u202e"))).toBe(false);
    expectNeighbours(app, ["1", "2"]);
  });

  it("exports a name that is a spreadsheet formula as text: reports export --format csv neutralises it", async () => {
    const exported = await cli(["reports", "export", "latest", "--job", "names", "--format", "csv", "--config", many.config]);
    expectNoCrash(exported);
    expect(exported.code, exported.stderr).toBe(0);
    const line = exported.stdout.split(/\r?\n/).find((text) => text.includes("cmd|"));
    expect(line).toContain(`"'=cmd|'/c calc'!A1`);
    expect(exported.stdout).not.toMatch(/(^|,)=cmd/m);
  });

  it("reports an empty id as invalid and a repeated id as a duplicate, and sends the first", async () => {
    const { rows } = await report(many.config, "ids");
    expect(rowOf(rows, "line 3")).toMatchObject({ outcome: "invalid", info: expect.stringMatching(/uc_external_id: empty/) as unknown });
    expect(rowOf(rows, "line 5")).toMatchObject({ outcome: "duplicate", uc_external_id: "3" });
    expect(emulator.phonebook.find(CSV_JOBS.ids, "3")?.name).toBe("First Three");
    expectNeighbours(CSV_JOBS.ids, ["1", "4"]);
  });

  it("prints the same report rows through the CLI: reports show latest --json", async () => {
    const shown = await cli(["reports", "show", "latest", "--job", "ids", "--json", "--config", many.config]);
    expectNoCrash(shown);
    expect(shown.code, shown.stderr).toBe(0);
    const json = JSON.parse(shown.stdout) as { rows: ExportRecord[] };
    expect(json.rows.map((row) => [row.ref, row.outcome])).toEqual(expect.arrayContaining([["line 3", "invalid"], ["line 5", "duplicate"]]));
  });
});

describe("files in the wrong encoding", () => {
  it("fails the run with exit 1 naming file and line, with no crash", () => {
    expectNoCrash(encodings.result);
    expect(encodings.result.code, encodings.result.stdout + encodings.result.stderr).toBe(1);
  });

  it("windows-1252 bytes read with encoding: utf-8 stop the job at the bad line", async () => {
    const { run } = await report(encodings.config, "wrong-encoding");
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/wrong-encoding\.csv:3: bytes that are not valid UTF-8/);
    expect(encodings.result.stdout).toMatch(/wrong-encoding\.csv:3: bytes that are not valid UTF-8/);
  });

  it("a UTF-16 file without a byte-order mark is refused at its header, with the fix in the hint", async () => {
    const { run } = await report(encodings.config, "utf16-no-bom");
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/utf16-no-bom\.csv:1: the header holds NUL characters/);
    expect(encodings.result.stdout).toMatch(/encoding: utf-16le/);
  });
});

describe("hostile YAML", () => {
  it("refuses a configuration that is an alias bomb as a configuration error (exit 2) naming file and line", () => {
    expectNoCrash(configBomb);
    expect(configBomb.code).toBe(2);
    expect(configBomb.stderr).toMatch(/error CONFIG_INVALID: .*alias-bomb-config\.yaml/);
    expect(configBomb.stderr).toMatch(/alias-bomb-config\.yaml:8: .*YAML aliases expand too far \(from \*a on\)/);
  });

  it("refuses a mapping that is an alias bomb, and a 10 MB mapping, with exit 2 naming each file", () => {
    expectNoCrash(badMappings);
    expect(badMappings.code).toBe(2);
    expect(badMappings.stderr).toMatch(/alias-bomb-mapping\.yaml:7: .*YAML aliases expand too far/);
    expect(badMappings.stderr).toMatch(/huge-mapping\.yaml is \d+ bytes: a mapping file is at most 1048576 bytes/);
  });
});
