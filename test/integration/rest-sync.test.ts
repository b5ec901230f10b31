// The REST source through the real sync: a CRM-like JSON API (OAuth2 or a bearer token, cursor paging, a company
// join) into the emulator's phonebook and a SQLite store; incremental reads with a key listing; joins on their own.
import { randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearTokenCache } from "../../connectors/rest-auth.js";
import { restConfigSchema, restConnector, type RestConfig } from "../../connectors/rest.js";
import type { SourceItem, SourceRecord } from "../../connectors/types.js";
import { runSync } from "../../src/cli/sync-runner.js";
import { parseConfig } from "../../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createLogger } from "../../src/logger.js";
import type { RunSummary } from "../../src/sync/run-types.js";
import { Collector } from "../helpers/collect.js";
import { startRestServer, type RestReply, type RestRequestSeen, type RestServer } from "../helpers/rest-server.js";
import { tempDir } from "../helpers/temp.js";

const PBX_TOKEN = `pbx-${randomBytes(8).toString("hex")}`;
const CLIENT_SECRET = `cs-${randomBytes(8).toString("hex")}`;
const BEARER = `bt-${randomBytes(8).toString("hex")}`;
const T0 = Date.parse("2024-05-01T10:00:00Z");

interface CrmContact {
  id: string;
  updatedAt: string;
  properties: { firstname: string; lastname: string; archived?: boolean };
  phones: Array<{ label: string; value: string }>;
  associations: { companies: { results: Array<{ id: string }> } };
}

function crmContact(i: number): CrmContact {
  return {
    id: String(i),
    updatedAt: new Date(T0 + i * 60_000).toISOString(),
    properties: { firstname: `Name ${i}`, lastname: `Surname ${i}`, archived: false },
    phones: [
      { label: "mobile", value: `333 ${String(1_000_000 + i)}` },
      { label: "work", value: `02 ${String(7_000_000 + i)}` },
    ],
    associations: { companies: { results: [{ id: `c${i % 3}` }] } },
  };
}

/** A CRM's API: contacts by cursor, changed contacts since a time, every id, companies by batch; OAuth2 or a bearer token. */
class Crm {
  contacts: CrmContact[] = [];
  tokens: string[] = [];
  readonly companies = new Map(["c0", "c1", "c2"].map((id) => [id, { id, properties: { name: `Company ${id}` } }]));

  constructor(readonly server: RestServer) {
    server.handle((request) => this.route(request));
  }

  get url(): string {
    return this.server.url;
  }

  requests(pathname: string): RestRequestSeen[] {
    return this.server.requests.filter((request) => request.url.pathname === pathname);
  }

  private route(request: RestRequestSeen): RestReply {
    const { url } = request;
    if (url.pathname === "/oauth/token") return this.token(request);
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined || (token !== BEARER && !this.tokens.includes(token))) return { status: 401, json: { message: "authentication required" } };
    if (url.pathname === "/contacts") return page(this.contacts, url);
    if (url.pathname === "/contacts/changed") {
      const since = Date.parse(url.searchParams.get("since") ?? "");
      return page(
        this.contacts.filter((contact) => Date.parse(contact.updatedAt) > since),
        url,
      );
    }
    if (url.pathname === "/contacts/ids") return page(this.contacts.map((contact) => ({ id: contact.id })), url);
    if (url.pathname === "/crm/v3/objects/companies/batch/read" && request.method === "POST") {
      const { inputs } = JSON.parse(request.body) as { inputs: Array<{ id: string }> };
      return { json: { status: "COMPLETE", results: inputs.flatMap(({ id }) => this.companies.get(id) ?? []) } };
    }
    return { status: 404, json: { message: "no route" } };
  }

  private token({ body }: RestRequestSeen): RestReply {
    const form = new URLSearchParams(body);
    if (form.get("client_id") !== "sync" || form.get("client_secret") !== CLIENT_SECRET) return { status: 401, json: { error: "invalid_client" } };
    const token = `at-${randomBytes(12).toString("hex")}`;
    this.tokens.push(token);
    return { json: { access_token: token, expires_in: 1800 } };
  }
}

/** HubSpot-style cursor paging: `after` is the index of the next record, `limit` (default 5) the page size. */
function page(all: unknown[], url: URL): RestReply {
  const after = Number(url.searchParams.get("after") ?? 0);
  const limit = Number(url.searchParams.get("limit") ?? 5);
  const next = after + limit < all.length ? { paging: { next: { after: String(after + limit) } } } : {};
  return { json: { results: all.slice(after, after + limit), ...next } };
}

const MAPPING = `version: 1
externalId: id
defaultCountry: IT
fields:
  name: { from: properties.firstname }
  surname: { from: properties.lastname }
  company: { from: company.properties.name }
numbers:
  numoffice: { from: "phones[?label=work].value" }
  nummobile: { from: "phones[?label=mobile].value" }
skip:
  - when: { field: properties.archived, equals: "true" }
`;

const JOIN = `      join:
        - into: company
          ids: "associations.companies.results[0].id"
          method: POST
          path: /crm/v3/objects/companies/batch/read
          body: { properties: [name] }
          idsField: inputs
          records: results
`;

const INCREMENTAL = `      incremental:
        field: updatedAt
        changed: { path: /contacts/changed, query: { since: "{{since}}" }, records: results }
        keys: { path: /contacts/ids, query: { limit: 100 }, records: results }
`;

let emulator: RunningEmulator;
let api: RestServer;
let crm: Crm;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: PBX_TOKEN });
  api = await startRestServer();
});
afterAll(async () => {
  await api.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.phonebook.clear();
  api.requests.length = 0;
  crm = new Crm(api);
  crm.contacts = Array.from({ length: 12 }, (_, i) => crmContact(i + 1));
  clearTokenCache();
});

interface Job {
  dir: string;
  sync(options?: { full?: boolean }): Promise<{ summary: RunSummary; output: string }>;
  /** The text of every file of the SQLite store (the database, its journal), as bytes read as Latin-1. */
  storeText(): Promise<string>;
  watermarks(): Array<{ job: string; watermark: string }>;
  logs: Collector;
}

/** A directory with the mapping, a configuration whose one job reads the CRM `limit` a page with `auth` and `extra` source lines. */
async function job(auth: string, extra: string, limit = 5): Promise<Job> {
  const dir = await tempDir();
  await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
  const file = path.join(dir, "config.yaml");
  const text = `pbx:
  url: ${emulator.url}
  token: \${PBX_TOKEN}
store: { client: sqlite, filename: ./store.sqlite }
defaults: { retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: crm
    appName: CRM
    mapping: ./mapping.yaml
    source:
      type: rest
      baseUrl: ${crm.url}
      path: /contacts
      query: { limit: ${limit} }
      records: results
      id: id
      paging: { type: cursor, param: after, from: paging.next.after }
      retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 10 }
      auth: ${auth}
${extra}`;
  await writeFile(file, text);
  const logs = new Collector();
  const logger = createLogger({ destination: logs, level: "debug" });
  const storeFile = path.join(dir, "store.sqlite");
  return {
    dir,
    logs,
    async sync(options = {}) {
      let output = "";
      const out = new Writable({
        write(chunk: Buffer, _encoding, done) {
          output += chunk.toString();
          done();
        },
      });
      const config = parseConfig(text, file, { env: { PBX_TOKEN, CRM_CLIENT_SECRET: CLIENT_SECRET, CRM_TOKEN: BEARER } });
      const [summary] = await runSync(config, { out, logger, ...options });
      if (!summary) throw new Error("no run");
      return { summary, output };
    },
    async storeText() {
      const files = (await readdir(dir)).filter((name) => name.startsWith("store.sqlite"));
      const texts = await Promise.all(files.map((name) => readFile(path.join(dir, name), "latin1")));
      return texts.join("\n");
    },
    watermarks() {
      const db = new Database(storeFile, { readonly: true });
      try {
        return db.prepare("SELECT job, watermark FROM source_watermarks").all() as Array<{ job: string; watermark: string }>;
      } finally {
        db.close();
      }
    },
  };
}

const OAUTH = `{ type: oauth2, tokenUrl: "${"{{URL}}"}/oauth/token", clientId: sync, clientSecret: "\${CRM_CLIENT_SECRET}" }`;
const oauthAuth = () => OAUTH.replace("{{URL}}", crm.url);
const BEARER_AUTH = `{ type: bearer, token: "\${CRM_TOKEN}" }`;

function crmContacts() {
  return emulator.phonebook.all().filter((contact) => contact.uc_app_name === "CRM");
}

/** The phonebook holds exactly these CRM contacts, with the names and companies the API gives. */
function expectPhonebook(contacts: readonly CrmContact[]): void {
  const stored = crmContacts().sort((a, b) => Number(a.uc_external_id) - Number(b.uc_external_id));
  expect(stored.map((contact) => contact.uc_external_id)).toEqual(contacts.map((contact) => contact.id));
  for (const [index, contact] of stored.entries()) {
    const source = contacts[index] as CrmContact;
    expect(contact).toMatchObject({ name: source.properties.firstname, surname: source.properties.lastname, company: `Company c${Number(source.id) % 3}` });
    expect(contact.numoffice.replace(/\D/g, "")).toMatch(new RegExp(`${String(7_000_000 + Number(source.id))}$`));
    expect(contact.nummobile.replace(/\D/g, "")).toMatch(new RegExp(`${String(1_000_000 + Number(source.id))}$`));
  }
}

/** No secret of the run in the store's files, its printed summary or its (redacted) log lines. */
async function expectNoSecrets(run: Job, outputs: string[], secrets: string[]): Promise<void> {
  const store = await run.storeText();
  expect(store).toContain("CRM");
  for (const secret of secrets) {
    expect(store).not.toContain(secret);
    for (const output of outputs) expect(output).not.toContain(secret);
    expect(run.logs.text).not.toContain(secret);
  }
}

describe("a REST job through the sync", () => {
  it("puts the CRM's contacts on the PBX, then updates one changed and deletes one removed, with no secret left behind", async () => {
    const run = await job(oauthAuth(), JOIN);
    const first = await run.sync();
    expect(first.summary).toMatchObject({ status: "success", error: null, counts: { read: 12, inserted: 12, errors: 0 } });
    expectPhonebook(crm.contacts);
    // Twelve contacts five a page: three pages, the first read by the job's check before the run and by the run's
    // check, whose page the read goes on from; each page with one company join; one token for the run.
    expect(crm.requests("/contacts").map((request) => request.url.searchParams.get("after"))).toEqual([null, null, "5", "10"]);
    expect(crm.requests("/crm/v3/objects/companies/batch/read")).toHaveLength(4);
    expect(crm.requests("/oauth/token")).toHaveLength(1);

    const changed = crm.contacts[3] as CrmContact;
    changed.properties.firstname = "Renamed";
    crm.contacts = crm.contacts.filter((contact) => contact.id !== "9");
    const second = await run.sync();
    expect(second.summary).toMatchObject({ status: "success", error: null, counts: { read: 11, updated: 1, deleted: 1, unchanged: 10, inserted: 0, errors: 0 } });
    expectPhonebook(crm.contacts);
    expect(emulator.phonebook.find("CRM", "4")?.name).toBe("Renamed");
    expect(emulator.phonebook.find("CRM", "9")).toBeUndefined();

    expect(crm.tokens).toHaveLength(1);
    await expectNoSecrets(run, [first.output, second.output], [CLIENT_SECRET, PBX_TOKEN, ...crm.tokens]);
    expect(run.logs.text).toMatch(/rest answer/);
  });

  it("leaves no secret behind from a run that failed on the API's answer", async () => {
    const run = await job(BEARER_AUTH, "");
    api.handle(({ headers }) => ({ status: 500, json: { error: `upstream refused ${headers.authorization ?? ""}` } }));
    const { summary, output } = await run.sync();
    expect(summary.status).toBe("failed");
    expect(summary.error).toMatch(/HTTP 500/);
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.every((request) => request.headers.authorization === `Bearer ${BEARER}`)).toBe(true);
    await expectNoSecrets(run, [output, summary.error ?? ""], [BEARER, PBX_TOKEN]);
  });
});

describe("an incremental REST job", () => {
  it("reads everything first; then only the changed records whole and the rest as keys, deleting what is gone", async () => {
    const run = await job(BEARER_AUTH, JOIN + INCREMENTAL);
    const first = await run.sync();
    expect(first.summary).toMatchObject({ status: "success", counts: { read: 12, inserted: 12 } });
    expect(crm.requests("/contacts/changed")).toHaveLength(0);
    expect(crm.requests("/contacts/ids")).toHaveLength(0);
    const newest = new Date(T0 + 12 * 60_000).toISOString();
    expect(run.watermarks()).toEqual([{ job: "crm", watermark: newest }]);

    api.requests.length = 0;
    const changed = crm.contacts[2] as CrmContact;
    changed.properties.firstname = "Changed";
    changed.updatedAt = new Date(T0 + 60 * 60_000).toISOString();
    crm.contacts = crm.contacts.filter((contact) => contact.id !== "7");
    const second = await run.sync();
    expect(second.summary).toMatchObject({ status: "success", error: null, fullReason: null });
    // The full listing's first page only, for the checks to see the fields.
    expect(crm.requests("/contacts").map((request) => request.url.searchParams.get("after"))).toEqual([null, null]);
    expect(crm.requests("/contacts/changed").map((request) => request.url.searchParams.get("since"))).toEqual([newest]);
    expect(crm.requests("/contacts/ids")).toHaveLength(1);
    // After the checks' pages, only the changed record's company was joined.
    expect(crm.requests("/crm/v3/objects/companies/batch/read").map((request) => request.body)[2]).toEqual(JSON.stringify({ properties: ["name"], inputs: [{ id: "c0" }] }));
    expect(crm.requests("/crm/v3/objects/companies/batch/read")).toHaveLength(3);
    expectPhonebook(crm.contacts);
    expect(emulator.phonebook.find("CRM", "3")?.name).toBe("Changed");
    expect(emulator.phonebook.find("CRM", "7")).toBeUndefined();
    expect(second.summary.counts).toMatchObject({ read: 11, updated: 1, unchanged: 10, deleted: 1, inserted: 0, duplicates: 0, errors: 0 });
    expect(run.watermarks()).toEqual([{ job: "crm", watermark: changed.updatedAt }]);

    // Nothing changed since: no record read whole, nothing pushed or deleted, the watermark stays.
    const third = await run.sync();
    expect(third.summary.counts).toMatchObject({ read: 11, unchanged: 11, updated: 0, deleted: 0 });
    expect(run.watermarks()).toEqual([{ job: "crm", watermark: changed.updatedAt }]);
    await expectNoSecrets(run, [first.output, second.output, third.output], [BEARER, PBX_TOKEN]);
  });

  it("deletes the contact of a changed record a skip rule now leaves out, though the key listing still names it", async () => {
    const run = await job(BEARER_AUTH, JOIN + INCREMENTAL);
    await run.sync();
    const archived = crm.contacts[4] as CrmContact;
    archived.properties.archived = true;
    archived.updatedAt = new Date(T0 + 60 * 60_000).toISOString();
    const { summary } = await run.sync();
    expect(summary).toMatchObject({ status: "success", counts: { skipped: 1, deleted: 1, unchanged: 11 } });
    expect(emulator.phonebook.find("CRM", "5")).toBeUndefined();
    expectPhonebook(crm.contacts.filter((contact) => contact.id !== "5"));
  });

  it("pushes a changed record whose key comes in the first chunk (500) of a longer key listing", async () => {
    crm.contacts = Array.from({ length: 1_200 }, (_, i) => crmContact(i + 1));
    const run = await job(BEARER_AUTH, JOIN + INCREMENTAL, 100);
    expect((await run.sync()).summary.counts).toMatchObject({ read: 1_200, inserted: 1_200 });
    const changed = crm.contacts[100] as CrmContact;
    changed.properties.firstname = "Changed";
    changed.updatedAt = new Date(T0 + 5_000 * 60_000).toISOString();
    const { summary } = await run.sync();
    expect(emulator.phonebook.find("CRM", "101")?.name).toBe("Changed");
    expect(summary.counts).toMatchObject({ read: 1_200, updated: 1, unchanged: 1_199, duplicates: 0, deleted: 0 });
  });
});

describe("REST joins", () => {
  const ctx = { baseDir: "/" };

  function config(extra: Record<string, unknown>): RestConfig {
    return restConfigSchema.parse({ type: "rest", baseUrl: crm.url, path: "/contacts", records: "results", id: "id", query: { limit: 5 }, auth: { type: "bearer", token: BEARER }, ...extra });
  }

  const hubspotJoin = { into: "company", ids: "associations.companies.results[0].id", method: "POST", path: "/crm/v3/objects/companies/batch/read", body: { properties: ["name"] }, idsField: "inputs", records: "results" };

  async function readAll(source: RestConfig): Promise<SourceRecord[]> {
    const items: SourceItem[] = [];
    for await (const item of restConnector.read(source, ctx)) items.push(item);
    return items.filter((item): item is SourceRecord => item.kind === "record");
  }

  it("puts each record's company into it, and check() reports the company's fields among the columns", async () => {
    const checked = await restConnector.check(config({ join: [hubspotJoin] }), ctx);
    expect(checked.columns).toEqual(expect.arrayContaining(["company.properties.name", "company.id", "properties.firstname", "phones[].value"]));
    const joins = crm.requests("/crm/v3/objects/companies/batch/read");
    expect(joins).toHaveLength(1);
    expect(JSON.parse(joins[0]?.body ?? "")).toEqual({ properties: ["name"], inputs: [{ id: "c1" }, { id: "c2" }, { id: "c0" }] });
    expect(joins[0]?.headers.authorization).toBe(`Bearer ${BEARER}`);

    const records = await readAll(config({ join: [hubspotJoin], paging: { type: "cursor", param: "after", from: "paging.next.after" } }));
    expect(records.map((record) => [record.fields["id"], (record.fields["company"] as { properties: { name: string } } | undefined)?.properties.name])).toEqual(
      crm.contacts.map((contact) => [contact.id, `Company c${Number(contact.id) % 3}`]),
    );
  });

  it("asks for the related ids in batches of batchSize", async () => {
    await readAll(config({ join: [{ ...hubspotJoin, batchSize: 2 }] }));
    const bodies = crm.requests("/crm/v3/objects/companies/batch/read").map((request) => JSON.parse(request.body) as { inputs: unknown[] });
    expect(bodies.map((body) => body.inputs)).toEqual([[{ id: "c1" }, { id: "c2" }], [{ id: "c0" }]]);
  });

  it("joins by GET with the ids in a query parameter, leaving a record whose id is unknown without", async () => {
    const owners = new Map([
      ["1", { ownerId: 1, email: "a@crm.example" }],
      ["2", { ownerId: 2, email: "b@crm.example" }],
    ]);
    api.handle(({ url }) => {
      if (url.pathname === "/owners") return { json: { data: (url.searchParams.get("ids") ?? "").split(",").flatMap((id) => owners.get(id) ?? []) } };
      return { json: { results: [{ id: "a", owner: 1 }, { id: "b", owner: 2 }, { id: "c", owner: 1 }, { id: "d", owner: 9 }] } };
    });
    const records = await readAll(config({ join: [{ into: "ownerRecord", ids: "owner", path: "/owners", query: { fields: "email" }, idsParam: "ids", key: "ownerId", records: "data" }] }));
    expect(records.map((record) => (record.fields["ownerRecord"] as { email: string } | undefined)?.email)).toEqual(["a@crm.example", "b@crm.example", "a@crm.example", undefined]);
    const asked = api.requests.filter((request) => request.url.pathname === "/owners");
    expect(asked.map((request) => [request.method, request.url.searchParams.get("ids"), request.url.searchParams.get("fields")])).toEqual([["GET", "1,2,9", "email"]]);
  });
});
