// mappings/pipedrive.yaml synced end to end from a fake Pipedrive (API v2 persons by cursor, organizations by ids,
// users, the API token checked as Pipedrive does) into the emulator: the contacts it makes, an edit and a deletion,
// and every fault that must stop a run without deleting anything, with the token kept out of everything printed or stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_NAMES, hasNoNumber, OWNER_NAMES, people, type Person } from "../helpers/crm-apis/contact-people.js";
import { PIPEDRIVE_PERSONS_PATH, pipedrivePersonId, secondWorkNumber, startFakePipedrive, type FakePipedrive } from "../helpers/crm-apis/pipedrive.js";
import { presetJob, type PresetJob, type PresetRun } from "../helpers/crm-apis/preset-job.js";

/** Listing requests 1 and 2 are page 1, read by the checks (the read starts from the run's own check's page): 3 is page 2. */
const PAGE_2 = 3;

const TOKEN = "8f3a1c9e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a";
/** Three pages of the preset's 500. */
const COUNT = 1100;
const PERSONS = people(COUNT);
const WITH_NUMBER = PERSONS.filter((p) => !hasNoNumber(p.index));
const ENV = { PIPEDRIVE_TOKEN: TOKEN };
/** Fault tests: no waiting for the preset's politeness, few tries. */
const QUICK = { rateLimit: 200, retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 30 } };

let api: FakePipedrive;
let job: PresetJob;
/** Everything every run printed, logged or reported: the token must be in none of it. */
const seen: string[] = [];
beforeAll(async () => {
  api = await startFakePipedrive(TOKEN, PERSONS);
  job = await presetJob({ preset: "pipedrive", appName: "PIPEDRIVE", baseUrl: api.url, env: ENV });
});
afterAll(async () => {
  await job.close();
  await api.close();
});

async function sync(source: Record<string, unknown> = {}): Promise<PresetRun> {
  api.faults.clear();
  const run = await job.sync(source);
  seen.push(run.output, run.logs, run.summary.error ?? "");
  return run;
}

function listingRequests(from: number): number {
  return api.requests.slice(from).filter((r) => r.url.pathname === PIPEDRIVE_PERSONS_PATH).length;
}

/** Persons deleted in Pipedrive before the failing runs: none of those runs may delete them. */
const pendingDeletions = [11, 12, 13].map(pipedrivePersonId);
let cleanListing = 0;

describe("mappings/pipedrive.yaml against a fake Pipedrive", () => {
  it("syncs every person with a number: organization from the join, numbers by label and spread, e-mail and owner", async () => {
    const from = api.requests.length;
    const { summary } = await sync();

    expect(summary.error).toBeNull();
    expect(summary.status).toBe("success");
    expect(summary.counts).toMatchObject({ read: COUNT, inserted: WITH_NUMBER.length, skipped: COUNT - WITH_NUMBER.length, invalid: 0, warnings: 0 });
    const stored = job.contacts();
    expect(stored.size).toBe(WITH_NUMBER.length);
    for (const person of WITH_NUMBER) {
      expect(stored.get(String(pipedrivePersonId(person.index))), `contact of person ${person.index}`).toMatchObject({
        name: person.first,
        surname: person.last,
        company: person.company === null ? "" : COMPANY_NAMES[person.company],
        numoffice: person.office?.e164 ?? "",
        nummobile: person.mobile?.e164 ?? "",
        numother: secondWorkNumber(person)?.e164 ?? "",
        email: person.email,
      });
    }
    // Person 9: a second work number (spread to numother), a job title, an owner, the Pipedrive id.
    const nine = PERSONS[8] as Person;
    expect(stored.get(String(pipedrivePersonId(9)))?.ext_info).toEqual([
      { caption: "Role", value: nine.jobTitle },
      { caption: "Owner", value: `${OWNER_NAMES[0].first} ${OWNER_NAMES[0].last}` },
      { caption: "E-mail", value: nine.email },
      { caption: "Pipedrive ID", value: "2009" },
    ]);
    // Person 10 is German (postal address "Deutschland") and has a second, private e-mail address.
    expect(stored.get(String(pipedrivePersonId(10)))).toMatchObject({ numoffice: "+49891000010", nummobile: "+491711000010" });
    expect(stored.get(String(pipedrivePersonId(10)))?.ext_info).toContainEqual({ caption: "E-mail", value: `${PERSONS[9]?.email}, ${PERSONS[9]?.email.split("@")[0]}@posta.example` });

    const requests = api.requests.slice(from);
    const listing = requests.filter((r) => r.url.pathname === PIPEDRIVE_PERSONS_PATH);
    expect(listing.every((r) => r.url.searchParams.get("limit") === "500")).toBe(true);
    // Two checks read the first page, then the read goes on from the run's check's page with pages 2 and 3.
    expect(listing.map((r) => r.url.searchParams.has("cursor"))).toEqual([false, false, true, true]);
    // The token goes in the header, never in a URL.
    expect(requests.every((r) => r.headers["x-api-token"] === TOKEN && !r.url.search.includes(TOKEN))).toBe(true);
    const organizations = requests.filter((r) => r.url.pathname === "/api/v2/organizations");
    expect(organizations.length).toBeGreaterThan(0);
    for (const r of organizations) expect((r.url.searchParams.get("ids") ?? "").split(",").length).toBeLessThanOrEqual(100);
    cleanListing = listing.length;
  });

  it("updates the one person edited and deletes the one deleted on the next run", async () => {
    api.edit(pipedrivePersonId(3), { last_name: "Verdi", phones: [{ value: "+39 340 555 0101", primary: true, label: "mobile" }] });
    api.remove(pipedrivePersonId(4));
    const { summary } = await sync();

    expect(summary.status).toBe("success");
    expect(summary.counts).toMatchObject({ updated: 1, deleted: 1, inserted: 0, unchanged: WITH_NUMBER.length - 2 });
    const stored = job.contacts();
    expect(stored.get(String(pipedrivePersonId(3)))).toMatchObject({ surname: "Verdi", nummobile: "+393405550101", numoffice: "" });
    expect(stored.has(String(pipedrivePersonId(4)))).toBe(false);
  });

  it("waits out a 429 with Retry-After in the middle of the read, and the run succeeds", async () => {
    const from = api.requests.length;
    api.faults.clear();
    api.faults.add({ kind: "throttle", retryAfterS: 1 }, PAGE_2);
    const run = await job.sync(QUICK);
    seen.push(run.output, run.logs);

    expect(api.faults.served).toHaveLength(1);
    expect(run.summary.status).toBe("success");
    expect(run.summary.counts).toMatchObject({ read: COUNT - 1, deleted: 0 });
    expect(listingRequests(from)).toBe(cleanListing + 1);
  });

  it("retries a 500 that passes, and the run succeeds", async () => {
    api.faults.clear();
    api.faults.add({ kind: "error" }, PAGE_2);
    const run = await job.sync(QUICK);
    seen.push(run.output, run.logs);

    expect(api.faults.served).toHaveLength(1);
    expect(run.summary.status).toBe("success");
    expect(run.summary.counts.read).toBe(COUNT - 1);
  });

  describe("a read that fails half-way deletes nothing", () => {
    beforeAll(() => {
      for (const id of pendingDeletions) api.remove(id);
    });

    async function failedRun(source: Record<string, unknown>, setUp: () => void): Promise<PresetRun> {
      api.faults.clear();
      setUp();
      const run = await job.sync({ ...QUICK, ...source });
      seen.push(run.output, run.logs, run.summary.error ?? "");
      expect(api.faults.served.length).toBeGreaterThan(0);
      // A read that stops half-way leaves every unread contact looking vanished: the deletion guard holds them all.
      expect(run.summary.status).toBe("failed");
      expect(run.summary.error).toMatch(/^source read failed after \d+ records: .*; deletions aborted, nothing deleted: the source was not read to the end/);
      expect(run.summary.counts.deleted).toBe(0);
      for (const id of pendingDeletions) expect(job.contacts().has(String(id)), `contact ${id}`).toBe(true);
      return run;
    }

    it("fails on a 500 that persists, naming the URL with a token sent in the query masked", async () => {
      // The token in the query, as Pipedrive also accepts: the URL in the error must not show it.
      const inQuery = { auth: { type: "apiKey", in: "query", name: "api_token", value: "${PIPEDRIVE_TOKEN}" } };
      const { summary } = await failedRun(inQuery, () => api.faults.add({ kind: "error" }, PAGE_2, Infinity));
      expect(summary.error).toContain(`GET ${api.url}${PIPEDRIVE_PERSONS_PATH}?`);
      expect(summary.error).toContain("api_token=***");
      // The API may be back by the next retry of the run.
      expect(summary.transient).toBe(true);
      expect(summary.error).toMatch(/HTTP 500: .*Internal server error/);
      expect(api.faults.served).toHaveLength(3);
      expect(api.requests.at(-1)?.url.searchParams.get("api_token")).toBe(TOKEN);
    });

    it("fails on a page slower than timeoutMs", async () => {
      const { summary } = await failedRun({ timeoutMs: 300 }, () => api.faults.add({ kind: "slow", delayMs: 1500 }, PAGE_2, Infinity));
      expect(summary.error).toMatch(/no complete answer within 300 ms/);
      expect(summary.transient).toBe(true);
    });

    it("fails on a page of broken JSON, without retrying it", async () => {
      const { summary } = await failedRun({}, () => api.faults.add({ kind: "brokenJson" }, PAGE_2));
      expect(summary.error).toMatch(/is not JSON/);
      // An answer of the wrong kind is not retried by the daemon: a retry would get the same.
      expect(summary.transient).toBe(false);
      expect(api.faults.served).toHaveLength(1);
    });

    it("fails when a page hands out the cursor it was given", async () => {
      const { summary } = await failedRun({}, () => api.faults.add({ kind: "repeatCursor" }, PAGE_2));
      expect(summary.error).toMatch(/page 2 handed out the cursor "[\w-]+" a second time: the paging would never end/);
      expect(summary.transient).toBe(false);
    });

    it("fails on a wrong token with Pipedrive's 401, before reading a record", async () => {
      const wrong = await presetJob({ preset: "pipedrive", appName: "PIPEDRIVE", baseUrl: api.url, env: { PIPEDRIVE_TOKEN: "0000wrong0000token0000" } });
      try {
        const run = await wrong.sync(QUICK);
        seen.push(run.output, run.logs, run.summary.error ?? "");
        expect(run.summary.status).toBe("failed");
        expect(run.summary.error).toMatch(/^SOURCE_REST: .*HTTP 401: .*unauthorized access/);
        expect(run.summary.counts.read).toBe(0);
        expect(run.summary.error).not.toContain("0000wrong0000token0000");
      } finally {
        await wrong.close();
      }
    });

    it("deletes them once a run reads the whole listing", async () => {
      const { summary } = await sync(QUICK);
      expect(summary.status).toBe("success");
      expect(summary.counts.deleted).toBe(pendingDeletions.length);
    });
  });

  it("syncs a company whose first page has no organization and no contact-sync fields (they are optional)", async () => {
    const plain = [7, 14].map((index) => ({ ...(PERSONS[index - 1] as Person), city: null, countryText: null, jobTitle: null }));
    const small = await startFakePipedrive(TOKEN, plain);
    for (const person of small.persons.values()) {
      delete person.job_title;
      delete person.postal_address;
    }
    const smallJob = await presetJob({ preset: "pipedrive", appName: "PIPEDRIVE", baseUrl: small.url, env: ENV });
    try {
      const run = await smallJob.sync(QUICK);
      seen.push(run.output, run.logs, run.summary.error ?? "");
      expect(run.summary.error).toBeNull();
      expect(run.summary.counts.inserted).toBe(2);
      const contact = smallJob.contacts().get(String(pipedrivePersonId(7)));
      expect(contact?.company).toBe("");
      expect(contact?.ext_info.map((block) => block.caption)).toEqual(["Owner", "E-mail", "Pipedrive ID"]);
      expect(small.requests.some((r) => r.url.pathname === "/api/v2/organizations")).toBe(false);
    } finally {
      await smallJob.close();
      await small.close();
    }
  });

  it("never lets the token into output, logs, errors or the store", async () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const text of seen) expect(text).not.toContain(TOKEN);
    // The logs name the URLs asked (debug), so the check above looked at them.
    expect(seen.join("\n")).toContain(PIPEDRIVE_PERSONS_PATH);
    expect(await job.storeText()).not.toContain(TOKEN);
  });
});
