// `phonebook-sync sync` from a real REST API: json-server 0.17 over 2,000 nested contacts, paged by its Link header,
// edited through its own API between runs; and `validate` showing the nested fields the source has.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import type { RunRow } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";
import { startJsonServer, type JsonServer } from "../helpers/json-server.js";
import { tempDir } from "../helpers/temp.js";
import { latestRun as latestStoreRun } from "../helpers/store-runs.js";

const TOKEN = "tok-E2E-REST-9c41";
const COUNT = 2_000;
const PAGE = 200;
let emulator: RunningEmulator;
let api: JsonServer;
let dir: string;
let config: string;

/** Contact i as a CRM's JSON API gives it: a company object, a list of labelled phones, every third one a mobile. */
function contact(i: number) {
  const phones = [{ label: "work", value: `02 ${4_000_000 + i}` }];
  if (i % 3 === 0) phones.push({ label: "mobile", value: `333 ${1_000_000 + i}` });
  return { id: i, name: `Name ${i}`, company: { name: `Company ${i}`, owner: { name: `Agent ${i % 7}` } }, phones };
}

const MAPPING = `version: 1
externalId: id
defaultCountry: IT
fields:
  name: name
  company: company.name
numbers:
  numoffice: "phones[?label=work].value"
  nummobile: "phones[?label=mobile].value"
extInfo:
  - caption: Account manager
    from: company.owner.name
`;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  dir = await tempDir("pbsync-rest-");
  await writeFile(path.join(dir, "db.json"), JSON.stringify({ contacts: Array.from({ length: COUNT }, (_, i) => contact(i + 1)) }));
  api = await startJsonServer(path.join(dir, "db.json"), dir);
  await writeFile(path.join(dir, "crm.yaml"), MAPPING);
  config = path.join(dir, "rest.yaml");
  // json-server pages (and sends a Link header) only when asked for _page: the query starts at page 1.
  await writeFile(
    config,
    `pbx:
  url: ${emulator.url}
  token: \${VOISPEED_TOKEN}
store:
  client: sqlite
  filename: ./rest.sqlite
jobs:
  - name: crm
    appName: CRM_REST
    source:
      type: rest
      baseUrl: ${api.url}
      path: /contacts
      query: { _page: 1, _limit: ${PAGE} }
      paging: { type: link }
      id: id
    mapping: ./crm.yaml
`,
  );
});

afterAll(async () => {
  await api?.close();
  await emulator?.close();
  // No json-server left behind: signal 0 only asks whether the process is still there.
  if (api) expect(() => process.kill(api.pid, 0)).toThrow();
});

async function latestRun(): Promise<RunRow> {
  return latestStoreRun(path.join(dir, "rest.sqlite"));
}

async function sync(): Promise<{ stdout: string; run: RunRow }> {
  const result = await runCli(["sync", "--config", config, "--plain"], { env: { VOISPEED_TOKEN: TOKEN } });
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  expect(result.code, `sync exited ${result.code}:\n${result.stdout}\n${result.stderr}\njson-server:\n${api.output().slice(-2000)}`).toBe(0);
  return { stdout: result.stdout, run: await latestRun() };
}

/** A change made the way a CRM user's would be: through the API itself. */
async function edit(method: "PATCH" | "DELETE", id: number, body?: unknown): Promise<void> {
  const response = await fetch(`${api.url}/contacts/${id}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} /contacts/${id}`).toBe(200);
  await response.arrayBuffer();
}

describe("sync of a REST API (json-server)", () => {
  it("inserts 2,000 contacts read page by page; after edits through the API updates 1 and deletes 2; then finds all unchanged", async () => {
    const first = await sync();
    expect(first.stdout).toMatch(/Job crm \(uc_app_name CRM_REST\) -> .*run #1 success/);
    expect(first.run).toMatchObject({ status: "success", counts: { read: COUNT, inserted: COUNT, updated: 0, invalid: 0, errors: 0 } });
    expect(emulator.phonebook.count()).toBe(COUNT);
    // Every page of the Link header's walk was asked for, and nothing past the last.
    const pages = api.requests().filter((line) => line.startsWith("GET /contacts?"));
    expect(pages).toEqual(expect.arrayContaining(Array.from({ length: COUNT / PAGE }, (_, i) => `GET /contacts?_page=${i + 1}&_limit=${PAGE}`)));
    expect(pages).not.toContain(`GET /contacts?_page=${COUNT / PAGE + 1}&_limit=${PAGE}`);

    const byId = new Map(emulator.phonebook.all().map((stored) => [stored.uc_external_id, stored]));
    expect(byId.get("1")).toMatchObject({ uc_app_name: "CRM_REST", name: "Name 1", company: "Company 1", numoffice: "+39024000001", nummobile: "" });
    expect(byId.get("1")?.ext_info).toEqual([{ caption: "Account manager", value: "Agent 1" }]);
    expect(byId.get("1500")).toMatchObject({ name: "Name 1500", company: "Company 1500", numoffice: "+39024001500", nummobile: "+393331001500" });
    expect(byId.get(String(COUNT))).toMatchObject({ name: `Name ${COUNT}`, company: `Company ${COUNT}` });

    await edit("PATCH", 7, { name: "Renamed Seven" });
    await edit("DELETE", 5);
    await edit("DELETE", 1999);
    const second = await sync();
    expect(second.run).toMatchObject({
      id: 2,
      status: "success",
      counts: { read: COUNT - 2, inserted: 0, updated: 1, unchanged: COUNT - 3, deleted: 2, errors: 0 },
    });
    const after = new Map(emulator.phonebook.all().map((stored) => [stored.uc_external_id, stored]));
    expect(after.size).toBe(COUNT - 2);
    expect(after.get("7")).toMatchObject({ name: "Renamed Seven", company: "Company 7", id: byId.get("7")?.id });
    expect(after.has("5")).toBe(false);
    expect(after.has("1999")).toBe(false);

    const third = await sync();
    expect(third.run).toMatchObject({ id: 3, status: "success", counts: { read: COUNT - 2, unchanged: COUNT - 2, inserted: 0, updated: 0, deleted: 0 } });
    expect(emulator.phonebook.count()).toBe(COUNT - 2);
  });

  it("validate prints the source's nested fields as paths, read from the API's first page", async () => {
    const result = await runCli(["validate", "--config", config], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/job crm: uc_app_name CRM_REST, source rest/);
    const columns = /^\s+source columns: (.*)$/m.exec(result.stdout)?.[1]?.split(", ") ?? [];
    expect(columns).toEqual(expect.arrayContaining(["id", "name", "company.name", "company.owner.name", "phones[].label", "phones[].value"]));
    const reads = /^\s+mapping reads: (.*)$/m.exec(result.stdout)?.[1] ?? "";
    expect(reads).toContain("phones[?label=work].value");
  });
});
