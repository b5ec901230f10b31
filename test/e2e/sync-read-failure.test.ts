// A source that cannot be read ends the CLI sync `failed`, exit 1, with the hint in the summary, and deletes nothing.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { openStore, type ContactResultRow } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";
import { contacts, startRestServer, type RestServer } from "../helpers/rest-server.js";
import { HEADER, row } from "../helpers/sync-env.js";
import { tempDir } from "../helpers/temp.js";
import { latestRun, statusSetup, type StatusSetup } from "./sync-status-setup.js";

const TOKEN = "tok-READ-FAIL-e2e-51c9";
const ENV = { VOISPEED_TOKEN: TOKEN, LOG_LEVEL: "warn" };
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
});
afterAll(() => emulator.close());

function requestsSince(from: number, service: string): number {
  return emulator.requestLog.slice(from).filter((entry) => entry.service === service).length;
}

const sync = (setup: { configFile: string }) => runCli(["sync", "--config", setup.configFile, "--plain"], { env: ENV });

/** Sets the CSV source's encoding in the job's config; undefined leaves it to the default (auto). */
async function setEncoding(setup: StatusSetup, encoding: string | undefined): Promise<void> {
  const config = (await readFile(setup.configFile, "utf8")).replace(/path: \.\/contacts\.csv(, encoding: [\w-]+)? \}/, `path: ./contacts.csv${encoding ? `, encoding: ${encoding}` : ""} }`);
  await writeFile(setup.configFile, config);
}

async function reportRows(storeFile: string, runId: number): Promise<ContactResultRow[]> {
  const store = await openStore({ client: "sqlite", filename: storeFile }, { mustExist: true });
  try {
    const rows: ContactResultRow[] = [];
    for await (const result of store.results(runId)) rows.push(result);
    return rows;
  } finally {
    await store.close();
  }
}

describe("sync of a CSV source that cannot be read", () => {
  // One job synced once: 20 contacts on the PBX and in the state, so that every later run has contacts it could delete.
  let setup: StatusSetup;
  beforeAll(async () => {
    setup = await statusSetup(emulator.url);
    await setEncoding(setup, "utf-8");
    const first = await sync(setup);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(emulator.phonebook.count()).toBe(20);
  });

  it("fails when the file is missing: exit 1, failed on record, the hint in the summary, nothing sent or deleted", async () => {
    await rm(path.join(setup.dir, "contacts.csv"));
    const from = emulator.requestLog.length;
    const result = await sync(setup);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/run #\d+ failed/);
    expect(result.stdout).toMatch(/\n {2}error: SOURCE_NOT_FOUND: CSV file \.\/contacts\.csv not found \(looked at .*contacts\.csv\)\n/);
    expect(result.stdout).toMatch(/\n {2}hint: Check path in the job's source config \(a relative path is resolved against the configuration file's directory\)/);
    const run = await latestRun(setup.storeFile);
    expect(run).toMatchObject({ status: "failed", counts: { read: 0, deleted: 0, kept: 0 } });
    expect(run.error).toMatch(/^SOURCE_NOT_FOUND: CSV file \.\/contacts\.csv not found/);
    expect(requestsSince(from, "delete_phonebook") + requestsSince(from, "phonebook_import_sync")).toBe(0);
    expect(emulator.phonebook.count()).toBe(20);
  });

  it("fails when a byte is not valid in the encoding set (utf-8): exit 1, the line in the error, the hint in the summary, nothing deleted", async () => {
    // Contact 20 left the source, contact 1 changed; line 13 (contact 12) holds a windows-1252 "ì".
    const lines = [HEADER, row(1, "Changed"), ...Array.from({ length: 18 }, (_, i) => row(i + 2))];
    const bytes = Buffer.from(`${lines.join("\n")}\n`, "utf8");
    bytes[bytes.indexOf(Buffer.from("Company 12"))] = 0xec;
    await writeFile(path.join(setup.dir, "contacts.csv"), bytes);
    const from = emulator.requestLog.length;
    const result = await sync(setup);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/run #\d+ failed/);
    expect(result.stdout).toMatch(/\n {2}error: SOURCE_READ_FAILED: \.\/contacts\.csv:13: bytes that are not valid UTF-8\n/);
    expect(result.stdout).toMatch(/\n {2}hint: Set encoding in the source config to the file's real encoding .*No deletions were made\.\n/);
    const run = await latestRun(setup.storeFile);
    expect(run).toMatchObject({ status: "failed", counts: { deleted: 0 } });
    expect(run.error).toBe("SOURCE_READ_FAILED: ./contacts.csv:13: bytes that are not valid UTF-8");
    // The whole file is checked before the read: nothing of it went out, and contact 20 is still there.
    expect(requestsSince(from, "delete_phonebook") + requestsSince(from, "phonebook_import_sync")).toBe(0);
    expect(emulator.phonebook.count()).toBe(20);
    expect(emulator.phonebook.find("CRM", "20")).toBeDefined();
  });

  it("reads a file that is not UTF-8 as windows-1252 under encoding auto, with a warning in the report, the summary and the log", async () => {
    await setEncoding(setup, undefined);
    const text = `${[HEADER, ...Array.from({ length: 20 }, (_, i) => row(i + 1, i === 6 ? "Società Forlì" : undefined))].join("\r\n")}\r\n`;
    await writeFile(path.join(setup.dir, "contacts.csv"), iconv.encode(text, "windows-1252"));
    const result = await sync(setup);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const warning = "file ./contacts.csv is not UTF-8 (first invalid byte at line 8); read as windows-1252";
    expect(result.stderr).toContain(warning);
    expect(result.stdout).toMatch(/run #\d+ success/);
    expect(result.stdout).toMatch(/with warnings\s+1\n/);
    const run = await latestRun(setup.storeFile);
    expect(run).toMatchObject({ status: "success", counts: { updated: 1, warnings: 1, deleted: 0 } });
    const rows = await reportRows(setup.storeFile, run.id);
    expect(rows.filter((result) => result.outcome === "warning")).toEqual([
      expect.objectContaining({ ref: "line 8", externalId: null, info: expect.stringMatching(/^file \.\/contacts\.csv is not UTF-8 \(first invalid byte at line 8\); read as windows-1252/) as string }),
    ]);
    expect(emulator.phonebook.find("CRM", "7")?.company).toBe("Società Forlì");

    const checked = await runCli(["validate", "--config", setup.configFile], { env: ENV });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`    warning: ${warning}`);
  });
});

describe("sync of a REST source that goes down mid-read", () => {
  let api: RestServer;
  let failPage2 = false;
  beforeAll(async () => {
    const all = contacts(150);
    api = await startRestServer((request) => {
      const page = Number(request.url.searchParams.get("page"));
      if (page === 2 && failPage2) return { status: 503, json: { error: "maintenance" } };
      return { json: all.slice((page - 1) * 100, page * 100) };
    });
  });
  afterAll(() => api.close());

  it("fails, not aborted, when a page fails after others were read: exit 1, the guard's words in the error, the hint shown, nothing deleted", async () => {
    const dir = await tempDir("pbsync-read-fail-rest-");
    await writeFile(path.join(dir, "mapping.yaml"), "version: 1\nexternalId: id\ndefaultCountry: IT\nfields:\n  name: name\n  company: company\nnumbers:\n  numoffice: phone\n");
    const configFile = path.join(dir, "config.yaml");
    await writeFile(
      configFile,
      `pbx:
  url: ${emulator.url}
  token: \${VOISPEED_TOKEN}
store: { client: sqlite, filename: ./store.sqlite }
jobs:
  - name: rest
    appName: REST_FAIL
    source:
      type: rest
      baseUrl: ${api.url}
      path: /contacts
      id: id
      paging: { type: page, param: page, sizeParam: per_page, size: 100, start: 1 }
      retry: { attempts: 1 }
    mapping: ./mapping.yaml
`,
    );
    failPage2 = false;
    const first = await sync({ configFile });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(emulator.phonebook.all().filter((contact) => contact.uc_app_name === "REST_FAIL")).toHaveLength(150);

    failPage2 = true;
    const from = emulator.requestLog.length;
    const result = await sync({ configFile });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/run #\d+ failed/);
    expect(result.stdout).toMatch(/\n {2}error: source read failed after 100 records: SOURCE_REST: .*HTTP 503.*; deletions aborted, nothing deleted: the source was not read to the end/);
    expect(result.stdout).toMatch(/\n {2}hint: \S.*\n/);
    const run = await latestRun(path.join(dir, "store.sqlite"));
    expect(run).toMatchObject({ status: "failed", counts: { read: 100, deleted: 0, kept: 50 } });
    expect(requestsSince(from, "delete_phonebook")).toBe(0);
    expect(emulator.phonebook.all().filter((contact) => contact.uc_app_name === "REST_FAIL")).toHaveLength(150);
  });
});
