// Hostile input that is big or deep, through the real CLI against the in-process emulator: a 10 MB field and a
// 100,000-column header in bounded memory, and a REST source with huge, non-text and nested ext_info values and a
// record nested 10,000 levels deep. Each gives a report row; none crashes the run or keeps the neighbours out.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import type { ContactResultRow, RunRow } from "../../src/store/index.js";
import { ROOT, runCli, type CliResult } from "../helpers/cli.js";
import { startRestServer, type RestServer } from "../helpers/rest-server.js";
import { tempDir } from "../helpers/temp.js";
import { latestRunWithRows } from "../helpers/store-runs.js";

const TOKEN = "tok-E2E-HOSTILE-BIG-81aa";
const CLI_TIMEOUT_MS = 30_000;
/** Peak resident memory allowed to the CLI for one big input: the files are 10 MB and 1 MB, the limit is bounded work. */
const LIMIT_MB = 300;
const MAX_RSS = path.join(ROOT, "test", "helpers", "max-rss.cjs");
const HEADER = "id,name,company,email,phone,notes";
const MAPPING = `version: 1
externalId: id
defaultCountry: IT
fields:
  name: name
  company: company
numbers:
  numoffice: phone
`;
const REST_MAPPING = `${MAPPING}extInfo:
  - { caption: Notes, from: notes }
  - { caption: Score, from: score }
  - { caption: Active, from: active }
  - { caption: Profile, from: profile }
  - { caption: Tags, from: tags }
`;
/** The deep record's nesting: JSON.stringify overflows the stack from about 5,000 levels. */
const DEPTH = 10_000;

let emulator: RunningEmulator;
let crm: RestServer;
let dir: string;
let wideField: CliResult;
let wideHeader: CliResult;
let rest: CliResult;

function good(i: number, extra = ""): string {
  return `${i},Good ${i},Neighbour ${i},good${i}@example.com,0733 10000${i},ok${extra}`;
}

/** A record with every field the mapping reads (the check looks for them on the first page), null when not given. */
function record(id: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const empty = { notes: null, score: null, active: null, profile: null, tags: null };
  return { id: String(id), name: `Good ${id}`, company: `Neighbour ${id}`, phone: `0733 10000${id}`, ...empty, ...fields };
}

/** The REST answer pages as raw JSON: the deep record cannot even be written with JSON.stringify. */
const PAGES: string[][] = [
  [
    JSON.stringify(record(1, { notes: "first" })),
    JSON.stringify(record(3, { notes: "x".repeat(100_000) })),
    JSON.stringify(record(4, { score: 42.5, active: true, notes: null, tags: [] })),
    // Last on its page: the paging compares a page's first and last records with the page before.
    `{"id":"6","name":"Deep","company":"Deep Co","phone":"0733 100006","deep":${'{"a":'.repeat(DEPTH)}1${"}".repeat(DEPTH)}}`,
  ],
  [JSON.stringify(record(5, { profile: { tier: "gold", since: 2019, owner: { name: "Bianchi" } }, tags: ["vip", { label: "north" }, 7] })), JSON.stringify(record(7)), JSON.stringify(record(2))],
];

async function writeJob(name: string, source: string, mapping: string): Promise<string> {
  await writeFile(path.join(dir, `${name}-mapping.yaml`), mapping);
  const config = path.join(dir, `${name}.yaml`);
  await writeFile(
    config,
    `pbx:\n  url: ${emulator.url}\n  token: \${VOISPEED_TOKEN}\nstore: { client: sqlite, filename: ./${name}.sqlite }\njobs:\n  - name: ${name}\n    appName: ${name.toUpperCase()}\n    source: ${source}\n    mapping: ./${name}-mapping.yaml\n`,
  );
  return config;
}

function sync(config: string, measure: boolean): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { VOISPEED_TOKEN: TOKEN, ...(measure ? { NODE_OPTIONS: `--require ${MAX_RSS}` } : {}) };
  return runCli(["sync", "--config", config, "--plain"], { cwd: dir, env, timeoutMs: CLI_TIMEOUT_MS });
}

function expectNoCrash(result: CliResult): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.signal, output).toBeNull();
  expect(output).not.toMatch(/INTERNAL|This is a bug|Maximum call stack|at .*\.js:\d+:\d+/);
}

function peakMb(result: CliResult): number {
  const kb = /MAXRSS_KB (\d+)/.exec(result.stderr)?.[1];
  if (kb === undefined) throw new Error(`no MAXRSS_KB line in:\n${result.stderr}`);
  return Number(kb) / 1024;
}

async function latest(name: string): Promise<{ run: RunRow; rows: ContactResultRow[] }> {
  return latestRunWithRows(path.join(dir, `${name}.sqlite`));
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  crm = await startRestServer((request) => {
    const page = Number(request.url.searchParams.get("page") ?? "1");
    return { raw: `{"results":[${(PAGES[page - 1] ?? []).join(",")}]}` };
  });
  dir = await tempDir("pbsync-hostile-big-");
  // Line 3 holds one quoted field of 10 MB (no line break in it); the rows around it are ordinary.
  await writeFile(path.join(dir, "wide-field.csv"), `${HEADER}\n${good(1)}\n2,"${"y".repeat(10 * 1024 * 1024)}",Co,a@example.com,0733 100002,\n${good(3)}\n${good(4)}\n`);
  // 100,000 columns (800 kB of header), and rows that fill every one of them.
  const extra = Array.from({ length: 100_000 - 6 }, (_, i) => `c${i + 7}`).join(",");
  const filler = ",".repeat(100_000 - 6);
  await writeFile(path.join(dir, "wide-header.csv"), `${HEADER},${extra}\n${[1, 2, 3, 4, 5].map((i) => good(i, filler)).join("\n")}\n`);
  const configs = await Promise.all([
    writeJob("wide-field", "{ type: csv, path: ./wide-field.csv }", MAPPING),
    writeJob("wide-header", "{ type: csv, path: ./wide-header.csv }", MAPPING),
    writeJob("rest", `{ type: rest, baseUrl: "${crm.url}", path: /contacts, records: results, id: id, paging: { type: page, param: page, sizeParam: per_page, size: 4 } }`, REST_MAPPING),
  ]);
  [wideField, wideHeader, rest] = await Promise.all([sync(configs[0] ?? "", true), sync(configs[1] ?? "", true), sync(configs[2] ?? "", false)]);
});
afterAll(async () => {
  await crm.close();
  await emulator.close();
});

describe("big CSV input in bounded memory", () => {
  it(`reports a 10 MB field as an invalid row with file:line, sends the neighbours, under ${LIMIT_MB} MB`, async () => {
    expectNoCrash(wideField);
    expect(wideField.code, wideField.stdout + wideField.stderr).toBe(3);
    expect(peakMb(wideField), "peak RSS (MB)").toBeLessThan(LIMIT_MB);
    const { rows } = await latest("wide-field");
    const bad = rows.find((row) => row.ref === "line 3");
    expect(bad).toMatchObject({ outcome: "invalid", info: expect.stringMatching(/wide-field\.csv:3: .*runs past 1048576 characters/) as unknown });
    for (const id of ["1", "3", "4"]) expect(emulator.phonebook.find("WIDE-FIELD", id)?.name).toBe(`Good ${id}`);
  });

  it(`reads a 100,000-column header and its rows, under ${LIMIT_MB} MB`, async () => {
    expectNoCrash(wideHeader);
    expect(wideHeader.code, wideHeader.stdout + wideHeader.stderr).toBe(0);
    expect(peakMb(wideHeader), "peak RSS (MB)").toBeLessThan(LIMIT_MB);
    const { run } = await latest("wide-header");
    expect(run.counts).toMatchObject({ read: 5, inserted: 5, invalid: 0 });
    for (const id of ["1", "2", "3", "4", "5"]) expect(emulator.phonebook.find("WIDE-HEADER", id)?.name).toBe(`Good ${id}`);
  });
});

describe("a REST source with hostile records", () => {
  it("ends by itself with exit 3: the hostile records are invalid rows, the run goes on", () => {
    expectNoCrash(rest);
    expect(rest.code, rest.stdout + rest.stderr).toBe(3);
  });

  it("makes a record nested 10,000 levels deep an invalid row with its ref, in a field the mapping does not read", async () => {
    const { rows } = await latest("rest");
    expect(rows.find((row) => row.ref === "id 6")).toMatchObject({ outcome: "invalid", externalId: "6", info: 'field "deep" is nested deeper than 256 levels: the record is not read' });
    expect(emulator.phonebook.find("REST", "6")).toBeUndefined();
  });

  it("refuses an ext_info value of 100,000 characters with the limit in the message", async () => {
    const { rows } = await latest("rest");
    expect(rows.find((row) => row.ref === "id 3")).toMatchObject({ outcome: "invalid", info: expect.stringMatching(/ext_info "Notes": 100000 characters, at most 1000/) as unknown });
  });

  it("shows numbers, booleans, objects and lists in ext_info as text, and leaves out null and empty lists", () => {
    expect(emulator.phonebook.find("REST", "4")?.ext_info).toEqual([
      { caption: "Score", value: "42.5" },
      { caption: "Active", value: "true" },
    ]);
    expect(emulator.phonebook.find("REST", "5")?.ext_info).toEqual([
      { caption: "Profile", value: '{"tier":"gold","since":2019,"owner":{"name":"Bianchi"}}' },
      { caption: "Tags", value: 'vip, {"label":"north"}, 7' },
    ]);
  });

  it("sends the good records on both pages, before and after the hostile ones", () => {
    for (const id of ["1", "2", "7"]) expect(emulator.phonebook.find("REST", id)?.name).toBe(`Good ${id}`);
  });
});
