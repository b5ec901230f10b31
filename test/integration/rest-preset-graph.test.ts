// mappings/microsoft-graph.yaml against a fake Microsoft 365 tenant: a full sync of a mailbox's contacts over several
// @odata.nextLink pages with immutable ids, an edit and a deletion, and what Graph and the network do wrong
// (throttling, server errors, timeouts, a broken answer, an expired token, a refused secret, a wrong mailbox), with
// the client secret and the access tokens kept out of everything written.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StoredContact } from "../../src/emulator/types.js";
import { GRAPH_SCOPE, startFakeGraph, type FakeGraph } from "../helpers/crm-apis/graph.js";
import { forgetTokens, presetEnv, readFailure, type PresetEnv } from "../helpers/crm-apis/preset-sync.js";
import { hasNoPhone, people, phone, type Person } from "../helpers/crm-apis/sf-graph-people.js";

const N = 250;
const WITH_PHONE = people(N).filter((p) => !hasNoPhone(p.index)).length;
const TENANT = "4f1c2d3e-8a9b-4c5d-9e0f-1a2b3c4d5e6f";
const MAILBOX = "rubrica@contoso.example";
const CLIENT = { clientId: "0b7e5a1c-2d3f-4e5a-8b9c-0d1e2f3a4b5c", clientSecret: "Xy8Q~fAkE.gRaPh~SeCrEt-4kT9vLm2pQ7wZr3nB6" };
const ENV = { MS_TENANT_ID: TENANT, MS_CLIENT_ID: CLIENT.clientId, MS_CLIENT_SECRET: CLIENT.clientSecret, MS_MAILBOX: MAILBOX };
const TIMEOUT_MS = 1000;

let tenant: FakeGraph;
let env: PresetEnv;
/** Every access token the tenant handed out, across resets. */
const issued: string[] = [];

beforeAll(async () => {
  tenant = await startFakeGraph({ ...CLIENT, tenantId: TENANT, mailbox: MAILBOX }, people(N));
  // The job points the preset at the fake tenant: its baseUrl and auth win over the preset's (auth as a whole, so
  // the scope is given again); the path, query, Prefer header and paging are the preset's.
  const source = `type: rest
baseUrl: "${tenant.url}"
timeoutMs: ${TIMEOUT_MS}
retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 50 }
auth:
  type: oauth2
  tokenUrl: "${tenant.tokenUrl}"
  clientId: "\${MS_CLIENT_ID}"
  clientSecret: "\${MS_CLIENT_SECRET}"
  scope: ${GRAPH_SCOPE}`;
  env = await presetEnv({ app: "M365", preset: "microsoft-graph", source, env: ENV });
});
afterAll(async () => {
  await env.close();
  await tenant.close();
});
beforeEach(() => forgetTokens());
afterEach(() => {
  issued.push(...tenant.tokens.issued.filter((token) => !issued.includes(token)));
  tenant.faults.clear();
});

/** Contacts written by hand over the generated ones. */
const BY_HAND: Record<number, Parameters<FakeGraph["update"]>[1]> = {
  2: {
    displayName: "Mario Rossi",
    givenName: "Mario",
    middleName: "Luigi",
    surname: "Rossi",
    companyName: "Rossi  Impianti S.r.l.",
    jobTitle: "Buyer",
    department: "Purchasing",
    businessPhones: ["0733/123456", "+39 0733 654321"],
    homePhones: ["06 4821 7733"],
    mobilePhone: "+39 347 123 4567",
    emailAddresses: [{ name: "Mario Rossi", address: "Mario.Rossi@rossi-impianti.example" }],
    businessAddress: { city: "Macerata", countryOrRegion: "Italia" },
    homeAddress: {},
    categories: ["Clienti", "VIP"],
  },
  // Only a home address, in Germany: "030 ..." is a Berlin number.
  3: { givenName: "Jürgen", surname: "Müller", companyName: null, businessPhones: ["030 1234567"], homePhones: [], mobilePhone: "0151 23456789", businessAddress: {}, homeAddress: { countryOrRegion: "Deutschland" } },
  // A bare display name: no first name, last name or company, so no name for the PBX.
  7: { displayName: "Pizzeria Da Mario", givenName: null, middleName: null, surname: null, companyName: null, mobilePhone: "347 000 1111" },
};

const byId = () => new Map(env.contacts().map((contact) => [contact.uc_external_id, contact]));
const ids = () => env.contacts().map((contact) => contact.uc_external_id).sort();

function expected(p: Person): Partial<StoredContact> {
  const job = [p.title, p.department].filter((part) => part !== null).join(", ");
  const categories = p.index % 4 === 0 ? "Customers" : p.index % 4 === 1 ? "Suppliers, VIP" : "";
  return {
    name: p.firstName ?? "",
    surname: p.lastName,
    company: p.company ?? "",
    email: p.email ?? "",
    numoffice: p.office?.e164 ?? "",
    nummobile: p.mobile?.e164 ?? "",
    numhome: p.home?.e164 ?? "",
    // The fake gives every 10th contact with an office number a second one.
    numother: p.office && p.index % 10 === 0 ? phone(p.country.code, "office", p.index + 1000).e164 : "",
    ext_info: [
      ...(job ? [{ caption: "Job title", value: job }] : []),
      ...(p.email ? [{ caption: "E-mail", value: p.email }] : []),
      ...(categories ? [{ caption: "Categories", value: categories }] : []),
    ],
  };
}

describe("the Microsoft 365 (Graph) preset", () => {
  it("inserts every named contact with a number from three pages with one token, then updates an edited contact and deletes a deleted one", async () => {
    tenant.reset(people(N));
    for (const [index, changes] of Object.entries(BY_HAND)) tenant.update(tenant.idOf(Number(index)), changes);
    const first = await env.sync();
    expect(first.summary.error).toBeNull();
    expect(first.summary.status).toBe("success");
    // Person 7 has a number but no name.
    expect(first.summary.counts).toMatchObject({ read: N, inserted: WITH_PHONE - 1, skipped: N - WITH_PHONE + 1, invalid: 0, duplicates: 0, deleted: 0 });

    // One token for the checks (page 1, before the run and at its start) and the read (pages 2 and 3).
    expect(tenant.tokenRequests()).toHaveLength(1);
    const calls = tenant.apiRequests();
    expect(calls.map((r) => r.url.searchParams.get("$skip"))).toEqual([null, null, "100", "200"]);
    for (const call of calls) {
      expect(decodeURIComponent(call.url.pathname)).toBe(`/v1.0/users/${MAILBOX}/contacts`);
      expect(call.url.searchParams.get("$top")).toBe("100");
      expect(call.url.searchParams.get("$select")).toMatch(/^id,givenName,.*,categories$/);
      expect(call.headers.prefer).toBe('IdType="ImmutableId"');
      expect(call.headers.authorization).toBe(`Bearer ${tenant.tokens.issued[0]}`);
    }

    const stored = byId();
    expect(stored.size).toBe(WITH_PHONE - 1);
    for (const p of people(N).filter((q) => !hasNoPhone(q.index) && !(q.index in BY_HAND))) {
      expect(stored.get(tenant.idOf(p.index)), `person ${p.index}`).toMatchObject(expected(p));
    }
    expect(stored.get(tenant.idOf(2))).toMatchObject({
      name: "Mario Luigi",
      surname: "Rossi",
      company: "Rossi Impianti S.r.l.",
      email: "mario.rossi@rossi-impianti.example",
      numoffice: "+390733123456",
      nummobile: "+393471234567",
      numhome: "+390648217733",
      numother: "+390733654321",
      ext_info: [
        { caption: "Job title", value: "Buyer, Purchasing" },
        { caption: "E-mail", value: "mario.rossi@rossi-impianti.example" },
        { caption: "Categories", value: "Clienti, VIP" },
      ],
    });
    expect(stored.get(tenant.idOf(3))).toMatchObject({ name: "Jürgen", surname: "Müller", company: "", numoffice: "+49301234567", nummobile: "+4915123456789" });
    expect(stored.has(tenant.idOf(7))).toBe(false);
    expect(stored.has(tenant.idOf(5))).toBe(false);

    tenant.update(tenant.idOf(2), { mobilePhone: "+39 347 765 4321", jobTitle: "CFO", department: null });
    tenant.remove(tenant.idOf(8));
    const second = await env.sync();
    expect(second.summary.status).toBe("success");
    expect(second.summary.counts).toMatchObject({ read: N - 1, inserted: 0, updated: 1, deleted: 1, unchanged: WITH_PHONE - 3 });
    // The token of the first run has most of its hour left: no second login.
    expect(tenant.tokenRequests()).toHaveLength(1);
    const after = byId();
    expect(after.has(tenant.idOf(8))).toBe(false);
    expect(after.get(tenant.idOf(2))).toMatchObject({ nummobile: "+393477654321", ext_info: expect.arrayContaining([{ caption: "Job title", value: "CFO" }]) as unknown });
  });

  describe("when Graph or the network fails", () => {
    // A run asks for page 1 twice (the mapping check before the run, then the run's own check, whose page the
    // read starts from), so page 2 of the read is the 3rd API request.
    const PAGE_2 = 3;
    let before: (string | null)[];
    beforeEach(async () => {
      // The PBX mirrors the mailbox, so that a failed run has something it could wrongly delete.
      const baseline = await env.sync();
      expect(baseline.summary.status).toBe("success");
      before = ids();
      expect(before.length).toBeGreaterThan(200);
      forgetTokens();
      tenant.server.requests.length = 0;
    });

    it("waits out a 429 with Retry-After on page 2 and finishes", async () => {
      tenant.faults.add({ kind: "throttle", retryAfterS: 1 }, PAGE_2);
      const { summary } = await env.sync();
      expect(summary.status).toBe("success");
      expect(summary.counts).toMatchObject({ read: N - 1, unchanged: before.length, deleted: 0 });
      const calls = tenant.apiRequests();
      expect(calls).toHaveLength(5);
      // The retry came after the second Graph asked for, not after the 10-50 ms back-off.
      expect((calls[PAGE_2]?.at ?? 0) - (calls[PAGE_2 - 1]?.at ?? 0)).toBeGreaterThanOrEqual(900);
      expect(tenant.tokenRequests()).toHaveLength(1);
    });

    it("retries a 500 that passes and finishes", async () => {
      tenant.faults.add({ kind: "error", status: 500 }, PAGE_2);
      const { summary } = await env.sync();
      expect(summary.status).toBe("success");
      expect(summary.counts).toMatchObject({ read: N - 1, deleted: 0 });
      expect(tenant.apiRequests()).toHaveLength(5);
      expect(ids()).toEqual(before);
    });

    // A read that breaks off ends the run "failed" (exit 1): the deletion guard sees the contacts not read yet as
    // vanished and deletes none of them. The run's error carries the message; its code is in the log.
    it("fails on a 500 that persists, naming SOURCE_REST, and deletes nothing", async () => {
      tenant.faults.add({ kind: "error", status: 500 }, PAGE_2, Infinity);
      const { summary, output, logs } = await env.sync();
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^source read failed after 100 records: .*HTTP 500: .*UnknownError.*nothing deleted/s);
      expect(output).toMatch(/HTTP 500/);
      expect(readFailure(logs)).toMatchObject({ code: "SOURCE_REST", status: 500, message: expect.stringMatching(/page 2: .*HTTP 500/) as string });
      expect(summary.counts.deleted).toBe(0);
      expect(tenant.apiRequests()).toHaveLength(5);
      expect(ids()).toEqual(before);
    });

    it("fails on a page slower than timeoutMs and deletes nothing", async () => {
      tenant.faults.add({ kind: "slow", delayMs: TIMEOUT_MS * 3 }, PAGE_2, Infinity);
      const { summary, logs } = await env.sync();
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^source read failed after 100 records: .*no complete answer within 1000 ms.*nothing deleted/s);
      expect(readFailure(logs)).toMatchObject({ code: "SOURCE_REST", message: expect.stringMatching(/page 2: .*no complete answer within 1000 ms/) as string });
      expect(summary.counts.deleted).toBe(0);
      expect(tenant.apiRequests()).toHaveLength(5);
      expect(ids()).toEqual(before);
    });

    it("fails on a page that is not JSON, without retrying it, and deletes nothing", async () => {
      tenant.faults.add({ kind: "brokenJson" }, PAGE_2);
      const { summary, logs } = await env.sync();
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^source read failed after 100 records: .*the answer \(HTTP 200\) is not JSON.*nothing deleted/s);
      expect(readFailure(logs)).toMatchObject({ code: "SOURCE_REST", message: expect.stringMatching(/page 2: .*is not JSON/) as string });
      expect(summary.counts.deleted).toBe(0);
      expect(tenant.apiRequests()).toHaveLength(PAGE_2);
      expect(ids()).toEqual(before);
    });

    it("gets a new token once when Graph says the old one expired mid-read, and finishes", async () => {
      tenant.faults.add({ kind: "expireTokens" }, PAGE_2);
      const earlier = tenant.tokens.issued.length;
      const { summary } = await env.sync();
      expect(summary.status).toBe("success");
      expect(summary.counts).toMatchObject({ read: N - 1, deleted: 0 });
      expect(tenant.tokenRequests()).toHaveLength(2);
      const [old, renewed] = tenant.tokens.issued.slice(earlier);
      expect(tenant.apiRequests().map((r) => r.headers.authorization)).toEqual([old, old, old, renewed, renewed].map((token) => `Bearer ${token}`));
      expect(ids()).toEqual(before);
    });

    it("fails at the login when Entra ID refuses the client secret, and deletes nothing", async () => {
      const { summary } = await env.sync({ env: { ...ENV, MS_CLIENT_SECRET: "Xy8Q~the.secret.id.not.its.value" } });
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^SOURCE_REST: OAuth2 token request: POST http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/oauth2\/v2\.0\/token: HTTP 401: .*AADSTS7000215/);
      expect(tenant.apiRequests()).toHaveLength(0);
      expect(ids()).toEqual(before);
    });

    it("fails before reading when the mailbox does not exist, and deletes nothing", async () => {
      const { summary } = await env.sync({ env: { ...ENV, MS_MAILBOX: "nobody@contoso.example" } });
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^SOURCE_REST: .*HTTP 404: .*ErrorInvalidUser.*nobody@contoso\.example/);
      expect(ids()).toEqual(before);
    });
  });

  it("keeps the client secret and every access token out of the output, the logs, the errors and the store", async () => {
    issued.push(...tenant.tokens.issued.filter((token) => !issued.includes(token)));
    const said = env.said();
    const store = await env.storeText();
    // The runs did say things, and about the failures too: the checks below are not vacuous.
    expect(said).toMatch(/SOURCE_REST/);
    expect(store).toMatch(/source read failed/);
    expect(issued.length).toBeGreaterThanOrEqual(9);
    for (const secret of [CLIENT.clientSecret, ...issued]) {
      expect(said.includes(secret), `${secret.slice(0, 24)}... in the output or logs`).toBe(false);
      expect(store.includes(secret), `${secret.slice(0, 24)}... in the store`).toBe(false);
    }
  });
});
