// mappings/salesforce.yaml against a fake Salesforce org: a full sync over several query pages, an edit and a
// deletion, and what a real org and network do wrong (throttling, server errors, timeouts, a broken answer, an
// expired session, a refused secret), with the client secret and the session ids kept out of everything written.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StoredContact } from "../../src/emulator/types.js";
import { hasNoPhone, people, type Person } from "../helpers/crm-apis/sf-graph-people.js";
import { forgetTokens, presetEnv, readFailure, type PresetEnv } from "../helpers/crm-apis/preset-sync.js";
import { SALESFORCE_API, startFakeSalesforce, type FakeSalesforce } from "../helpers/crm-apis/salesforce.js";

const N = 450;
const WITH_PHONE = people(N).filter((p) => !hasNoPhone(p.index)).length;
const CLIENT = { clientId: "3MVG9rZjd7MXFdLjyT0wTsB8x.fake.consumer.key", clientSecret: "5F1A0C9E7D3B2A4C6E8F0A1B3C5D7E9F-sf-secret" };
const ENV = { SALESFORCE_DOMAIN: "acme.my.salesforce.com", SALESFORCE_CLIENT_ID: CLIENT.clientId, SALESFORCE_CLIENT_SECRET: CLIENT.clientSecret };
const TIMEOUT_MS = 1000;

let org: FakeSalesforce;
let env: PresetEnv;
/** Every session id the org handed out, across resets. */
const issued: string[] = [];

beforeAll(async () => {
  org = await startFakeSalesforce(CLIENT, people(N));
  // The job points the preset at the fake org: its own baseUrl and auth win over the preset's; 200 records a
  // page (Salesforce's smallest batch) make three pages of 450.
  const source = `type: rest
baseUrl: "${org.url}"
headers: { Sforce-Query-Options: "batchSize=200" }
timeoutMs: ${TIMEOUT_MS}
retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 50 }
auth:
  type: oauth2
  tokenUrl: "${org.tokenUrl}"
  clientId: "\${SALESFORCE_CLIENT_ID}"
  clientSecret: "\${SALESFORCE_CLIENT_SECRET}"`;
  env = await presetEnv({ app: "SALESFORCE", preset: "salesforce", source, env: ENV });
});
afterAll(async () => {
  await env.close();
  await org.close();
});
beforeEach(() => forgetTokens());
afterEach(() => {
  issued.push(...org.tokens.issued.filter((token) => !issued.includes(token)));
  org.faults.clear();
});

/** Contacts written by hand over the generated ones. */
const BY_HAND: Record<number, Parameters<FakeSalesforce["update"]>[1]> = {
  2: {
    FirstName: "Mario",
    LastName: "Rossi",
    Email: "Mario.Rossi@rossi-impianti.example ",
    Title: "Buyer",
    Department: "Purchasing",
    Phone: "0733/123456",
    MobilePhone: "+39 347 123 4567",
    HomePhone: null,
    MailingCountry: "Italy",
    Account: { Id: "001Qy0000000001IAQ", Name: "Rossi  Impianti S.r.l." },
    Owner: { Id: "005Qy0000000001IAA", Name: "Laura Fontana" },
  },
  3: { FirstName: "Jürgen", LastName: "Müller", Phone: "030 1234567", MobilePhone: "0151 23456789", HomePhone: null, MailingCountry: "Germany", Account: null },
  7: { FirstName: null, LastName: "O'Brien", Phone: "(212) 736-4410", MobilePhone: null, HomePhone: null, Fax: "212.736.4411", OtherPhone: "200", MailingCountry: "United States", Account: { Id: "001Qy0000000002IAQ", Name: "Northwind Traders Ltd" } },
};

const byId = () => new Map(env.contacts().map((contact) => [contact.uc_external_id, contact]));
const ids = () => env.contacts().map((contact) => contact.uc_external_id).sort();

function expected(p: Person): Partial<StoredContact> {
  const job = [p.title, p.department].filter((part) => part !== null).join(", ");
  return {
    name: p.firstName ?? "",
    surname: p.lastName,
    company: p.company ?? "",
    email: p.email ?? "",
    numoffice: p.office?.e164 ?? "",
    nummobile: p.mobile?.e164 ?? "",
    numhome: p.home?.e164 ?? "",
    ext_info: [
      ...(job ? [{ caption: "Job title", value: job }] : []),
      { caption: "Contact owner", value: p.owner },
      ...(p.email ? [{ caption: "E-mail", value: p.email }] : []),
      { caption: "Salesforce Id", value: org.idOf(p.index) },
    ],
  };
}

describe("the Salesforce preset", () => {
  it("inserts every contact with a number from three query pages with one login, then updates an edited contact and deletes a deleted one", async () => {
    org.reset(people(N));
    for (const [index, changes] of Object.entries(BY_HAND)) org.update(org.idOf(Number(index)), changes);
    const first = await env.sync();
    expect(first.summary.error).toBeNull();
    expect(first.summary.status).toBe("success");
    expect(first.summary.counts).toMatchObject({ read: N, inserted: WITH_PHONE, skipped: N - WITH_PHONE, invalid: 0, duplicates: 0, deleted: 0 });

    // One token for the checks (page 1, before the run and at its start) and the read (pages 2-3), sent on
    // every request.
    expect(org.tokenRequests()).toHaveLength(1);
    const calls = org.apiRequests();
    expect(calls.map((r) => r.url.pathname.replace(/01g\w+-/, "LOCATOR-"))).toEqual([
      `${SALESFORCE_API}/query`,
      `${SALESFORCE_API}/query`,
      `${SALESFORCE_API}/query/LOCATOR-200`,
      `${SALESFORCE_API}/query/LOCATOR-400`,
    ]);
    expect(calls[0]?.url.searchParams.get("q")).toMatch(/^SELECT Id, FirstName, LastName, .* FROM Contact$/);
    expect(new Set(calls.map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${org.tokens.issued[0]}`]));

    const stored = byId();
    expect(stored.size).toBe(WITH_PHONE);
    for (const p of people(N).filter((q) => !hasNoPhone(q.index) && !(q.index in BY_HAND))) {
      expect(stored.get(org.idOf(p.index)), `person ${p.index}`).toMatchObject(expected(p));
    }
    // Three written by hand, so that a wrong rule cannot hide behind generated expectations.
    expect(stored.get(org.idOf(2))).toMatchObject({
      name: "Mario",
      surname: "Rossi",
      company: "Rossi Impianti S.r.l.",
      email: "mario.rossi@rossi-impianti.example",
      numoffice: "+390733123456",
      nummobile: "+393471234567",
      numhome: "",
      ext_info: [
        { caption: "Job title", value: "Buyer, Purchasing" },
        { caption: "Contact owner", value: "Laura Fontana" },
        { caption: "E-mail", value: "mario.rossi@rossi-impianti.example" },
        { caption: "Salesforce Id", value: org.idOf(2) },
      ],
    });
    // A German mailing address: "030 ..." is a Berlin number; an American one: "(212) ..." is New York.
    expect(stored.get(org.idOf(3))).toMatchObject({ name: "Jürgen", surname: "Müller", company: "", numoffice: "+49301234567", nummobile: "+4915123456789" });
    expect(stored.get(org.idOf(7))).toMatchObject({ name: "", surname: "O'Brien", company: "Northwind Traders Ltd", numoffice: "+12127364410", numfax: "+12127364411", numother: "200" });
    expect(stored.has(org.idOf(5))).toBe(false);

    org.update(org.idOf(2), { Phone: "0733 281455", Title: "CFO", Department: null, Account: { Id: "001Qy0000099999IAQ", Name: "Nuova Meccanica S.r.l." } });
    org.remove(org.idOf(6));
    const second = await env.sync();
    expect(second.summary.status).toBe("success");
    expect(second.summary.counts).toMatchObject({ read: N - 1, inserted: 0, updated: 1, deleted: 1, unchanged: WITH_PHONE - 2 });
    // The token of the first run is still good (Salesforce gives no lifetime): no second login.
    expect(org.tokenRequests()).toHaveLength(1);
    const after = byId();
    expect(after.has(org.idOf(6))).toBe(false);
    expect(after.get(org.idOf(2))).toMatchObject({ company: "Nuova Meccanica S.r.l.", numoffice: "+390733281455", ext_info: expect.arrayContaining([{ caption: "Job title", value: "CFO" }]) as unknown });
  });

  describe("when the org or the network fails", () => {
    // A run asks for page 1 twice (the mapping check before the run, then the run's own check, whose page the
    // read starts from), so page 2 of the read is the 3rd API request.
    const PAGE_2 = 3;
    let before: (string | null)[];
    beforeEach(async () => {
      // The PBX mirrors the org, so that a failed run has something it could wrongly delete.
      const baseline = await env.sync();
      expect(baseline.summary.status).toBe("success");
      before = ids();
      expect(before.length).toBeGreaterThan(400);
      forgetTokens();
      org.server.requests.length = 0;
    });

    it("waits out a 429 with Retry-After on page 2 and finishes", async () => {
      org.faults.add({ kind: "throttle", retryAfterS: 1 }, PAGE_2);
      const { summary } = await env.sync();
      expect(summary.status).toBe("success");
      expect(summary.counts).toMatchObject({ read: N - 1, unchanged: before.length, deleted: 0 });
      const calls = org.apiRequests();
      expect(calls).toHaveLength(5);
      // The retry came after the second the org asked for, not after the 10-50 ms back-off.
      expect((calls[PAGE_2]?.at ?? 0) - (calls[PAGE_2 - 1]?.at ?? 0)).toBeGreaterThanOrEqual(900);
      expect(org.tokenRequests()).toHaveLength(1);
    });

    it("retries a 500 that passes and finishes", async () => {
      org.faults.add({ kind: "error", status: 500 }, PAGE_2);
      const { summary } = await env.sync();
      expect(summary.status).toBe("success");
      expect(summary.counts).toMatchObject({ read: N - 1, deleted: 0 });
      expect(org.apiRequests()).toHaveLength(5);
      expect(ids()).toEqual(before);
    });

    // A read that breaks off ends the run "failed" (exit 1): the deletion guard sees the contacts not read yet as
    // vanished and deletes none of them. The run's error carries the message; its code is in the log.
    it("fails on a 500 that persists, naming SOURCE_REST, and deletes nothing", async () => {
      org.faults.add({ kind: "error", status: 500 }, PAGE_2, Infinity);
      const { summary, output, logs } = await env.sync();
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^source read failed after 200 records: .*HTTP 500: .*UNKNOWN_EXCEPTION.*nothing deleted/s);
      expect(output).toMatch(/HTTP 500/);
      expect(readFailure(logs)).toMatchObject({ code: "SOURCE_REST", status: 500, message: expect.stringMatching(/page 2: .*HTTP 500/) as string });
      expect(summary.counts.deleted).toBe(0);
      // Page 1 twice, then page 2 three times (retry.attempts).
      expect(org.apiRequests()).toHaveLength(5);
      expect(ids()).toEqual(before);
    });

    it("fails on a page slower than timeoutMs and deletes nothing", async () => {
      org.faults.add({ kind: "slow", delayMs: TIMEOUT_MS * 3 }, PAGE_2, Infinity);
      const { summary, logs } = await env.sync();
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^source read failed after 200 records: .*no complete answer within 1000 ms.*nothing deleted/s);
      expect(readFailure(logs)).toMatchObject({ code: "SOURCE_REST", message: expect.stringMatching(/page 2: .*no complete answer within 1000 ms/) as string });
      expect(summary.counts.deleted).toBe(0);
      expect(org.apiRequests()).toHaveLength(5);
      expect(ids()).toEqual(before);
    });

    it("fails on a page that is not JSON, without retrying it, and deletes nothing", async () => {
      org.faults.add({ kind: "brokenJson" }, PAGE_2);
      const { summary, logs } = await env.sync();
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^source read failed after 200 records: .*the answer \(HTTP 200\) is not JSON.*nothing deleted/s);
      expect(readFailure(logs)).toMatchObject({ code: "SOURCE_REST", message: expect.stringMatching(/page 2: .*is not JSON/) as string });
      expect(summary.counts.deleted).toBe(0);
      expect(org.apiRequests()).toHaveLength(PAGE_2);
      expect(ids()).toEqual(before);
    });

    it("logs in again once when the session expires mid-read, and finishes", async () => {
      org.faults.add({ kind: "expireTokens" }, PAGE_2);
      const earlier = org.tokens.issued.length;
      const { summary } = await env.sync();
      expect(summary.status).toBe("success");
      expect(summary.counts).toMatchObject({ read: N - 1, deleted: 0 });
      expect(org.tokenRequests()).toHaveLength(2);
      const [old, renewed] = org.tokens.issued.slice(earlier);
      expect(org.apiRequests().map((r) => r.headers.authorization)).toEqual([old, old, old, renewed, renewed].map((token) => `Bearer ${token}`));
      expect(ids()).toEqual(before);
    });

    it("fails at the login when the org refuses the client secret, with a hint, and deletes nothing", async () => {
      const { summary } = await env.sync({ env: { ...ENV, SALESFORCE_CLIENT_SECRET: "not-the-consumer-secret" } });
      expect(summary.status).toBe("failed");
      expect(summary.error).toMatch(/^SOURCE_REST: OAuth2 token request: POST http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/token: HTTP 400: .*invalid_client/);
      expect(org.apiRequests()).toHaveLength(0);
      expect(ids()).toEqual(before);
    });
  });

  it("keeps the client secret and every session id out of the output, the logs, the errors and the store", async () => {
    issued.push(...org.tokens.issued.filter((token) => !issued.includes(token)));
    const said = env.said();
    const store = await env.storeText();
    // The runs did say things, and about the failures too: the checks below are not vacuous.
    expect(said).toMatch(/SOURCE_REST/);
    expect(store).toMatch(/SOURCE_REST/);
    expect(issued.length).toBeGreaterThanOrEqual(9);
    for (const secret of [CLIENT.clientSecret, ...issued]) {
      expect(said.includes(secret), `${secret.slice(0, 24)}... in the output or logs`).toBe(false);
      expect(store.includes(secret), `${secret.slice(0, 24)}... in the store`).toBe(false);
    }
  });
});
