// mappings/hubspot.yaml synced end to end from a fake HubSpot CRM v3 (cursor paging, company batch reads, owners,
// HubSpot's token check) into the emulator: the contacts it makes, an edit and a deletion, and every fault that must
// fail a run without deleting anything, with the token kept out of output, logs, errors and the store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_NAMES, hasNoNumber, OWNER_NAMES, people, type Person } from "../helpers/crm-apis/contact-people.js";
import { HUBSPOT_CONTACTS_PATH, hubspotContactId, ownCompanyProperty, startFakeHubSpot, type FakeHubSpot } from "../helpers/crm-apis/hubspot.js";
import { presetJob, type PresetJob, type PresetRun } from "../helpers/crm-apis/preset-job.js";

/** Listing requests 1 and 2 are page 1, read by the checks (the read starts from the run's own check's page): 3 is page 2. */
const PAGE_2 = 3;

const TOKEN = "pat-eu1-5f2c9a7e-1b3d-4c8e-9f0a-2d4b6c8e0f1a";
const COUNT = 320;
const PERSONS = people(COUNT);
const WITH_NUMBER = PERSONS.filter((p) => !hasNoNumber(p.index));
/** Fault tests: no waiting for the preset's politeness, few tries. */
const QUICK = { rateLimit: 200, retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 30 } };

let api: FakeHubSpot;
let job: PresetJob;
/** Everything every run printed, logged or reported: the token must be in none of it. */
const seen: string[] = [];
beforeAll(async () => {
  api = await startFakeHubSpot(TOKEN, PERSONS);
  job = await presetJob({ preset: "hubspot", appName: "HUBSPOT", baseUrl: api.url, env: { HUBSPOT_TOKEN: TOKEN } });
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
  return api.requests.slice(from).filter((r) => r.url.pathname === HUBSPOT_CONTACTS_PATH).length;
}

function expectedCompany(person: Person): string | undefined {
  return person.company === null ? (ownCompanyProperty(person) ?? undefined) : COMPANY_NAMES[person.company];
}

/** Contacts archived in HubSpot before the failing runs: none of those runs may delete them. */
const pendingDeletions = [7, 8, 9].map(hubspotContactId);
let cleanListing = 0;

describe("mappings/hubspot.yaml against a fake HubSpot", () => {
  it("syncs every contact with a number: names, the primary company from the join, E.164 numbers, e-mail and owner", async () => {
    const from = api.requests.length;
    const { summary } = await sync();

    expect(summary.error).toBeNull();
    expect(summary.status).toBe("success");
    expect(summary.counts).toMatchObject({ read: COUNT, inserted: WITH_NUMBER.length, skipped: COUNT - WITH_NUMBER.length, invalid: 0, warnings: 0 });
    const stored = job.contacts();
    expect(stored.size).toBe(WITH_NUMBER.length);
    for (const person of WITH_NUMBER) {
      const contact = stored.get(hubspotContactId(person.index));
      expect(contact, `contact of person ${person.index}`).toMatchObject({
        name: person.first,
        surname: person.last,
        company: expectedCompany(person) ?? "",
        numoffice: person.office?.e164 ?? "",
        nummobile: person.mobile?.e164 ?? "",
        email: person.email,
      });
    }
    // Person 2 has a company and an owner; its own "Company name" is stale ("... (old)"): the join wins.
    const two = PERSONS[1] as Person;
    expect(stored.get(hubspotContactId(2))?.ext_info).toEqual([
      { caption: "City", value: two.city },
      { caption: "Owner", value: `${OWNER_NAMES[2].first} ${OWNER_NAMES[2].last}` },
      { caption: "HubSpot ID", value: "1002" },
    ]);
    // Person 42 has no company association, but its own "Company name": the fallback.
    expect(stored.get(hubspotContactId(42))?.company).toBe("Studio Giordano");
    // A German contact's numbers, typed nationally, read with its country.
    expect(stored.get(hubspotContactId(10))).toMatchObject({ numoffice: "+49891000010", nummobile: "+491711000010" });

    const requests = api.requests.slice(from);
    const batches = requests.filter((r) => r.url.pathname.endsWith("/companies/batch/read"));
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      const body = JSON.parse(batch.body) as { properties: string[]; inputs: Array<{ id: string }> };
      expect(body.properties).toEqual(["name"]);
      expect(body.inputs.length).toBeLessThanOrEqual(100);
    }
    const listing = requests.filter((r) => r.url.pathname === HUBSPOT_CONTACTS_PATH);
    expect(listing.map((r) => r.url.searchParams.get("after")).filter((after) => after !== null)).toEqual(["1101", "1201", "1301"]);
    expect(listing[0]?.url.searchParams.get("associations")).toBe("companies");
    cleanListing = listing.length;
  });

  it("updates the one contact edited and deletes the one archived on the next run", async () => {
    api.edit(hubspotContactId(3), { lastname: "Verdi", mobilephone: "+39 340 555 0101" });
    api.archive(hubspotContactId(4));
    const { summary } = await sync();

    expect(summary.status).toBe("success");
    expect(summary.counts).toMatchObject({ updated: 1, deleted: 1, inserted: 0, unchanged: WITH_NUMBER.length - 2 });
    const stored = job.contacts();
    expect(stored.get(hubspotContactId(3))).toMatchObject({ surname: "Verdi", nummobile: "+393405550101" });
    expect(stored.has(hubspotContactId(4))).toBe(false);
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
    // The throttled page was asked once more, after the wait.
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
      for (const id of pendingDeletions) api.archive(id);
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
      for (const id of pendingDeletions) expect(job.contacts().has(id), `contact ${id}`).toBe(true);
      return run;
    }

    it("fails on a 500 that persists, naming the URL and the status", async () => {
      const { summary } = await failedRun({}, () => api.faults.add({ kind: "error" }, PAGE_2, Infinity));
      expect(summary.error).toContain(`GET ${api.url}${HUBSPOT_CONTACTS_PATH}?`);
      // The API may be back by the next retry of the run.
      expect(summary.transient).toBe(true);
      expect(summary.error).toMatch(/HTTP 500/);
      expect(api.faults.served).toHaveLength(3);
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

    it("fails when a page hands out a cursor it was given", async () => {
      const { summary } = await failedRun({}, () => api.faults.add({ kind: "repeatCursor" }, PAGE_2));
      expect(summary.error).toMatch(/page 2 handed out the cursor "\d+" a second time: the paging would never end/);
      expect(summary.transient).toBe(false);
    });

    it("fails on a wrong token with HubSpot's 401, before reading a record", async () => {
      const wrong = await presetJob({ preset: "hubspot", appName: "HUBSPOT", baseUrl: api.url, env: { HUBSPOT_TOKEN: "pat-eu1-00000000-wrong-token-0000" } });
      try {
        const run = await wrong.sync(QUICK);
        seen.push(run.output, run.logs, run.summary.error ?? "");
        expect(run.summary.status).toBe("failed");
        expect(run.summary.error).toMatch(/^SOURCE_REST: .*HTTP 401: .*Authentication credentials not found/);
        expect(run.summary.counts.read).toBe(0);
        // A refused token stays refused: the daemon does not retry the run.
        expect(run.summary.transient).toBe(false);
        expect(run.summary.error).not.toContain("wrong-token");
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

  it("syncs a portal whose first page has no company association and no owner (the joined fields are optional)", async () => {
    const lonely = [42, 84].map((index) => PERSONS[index - 1] as Person);
    const small = await startFakeHubSpot(TOKEN, lonely);
    const smallJob = await presetJob({ preset: "hubspot", appName: "HUBSPOT", baseUrl: small.url, env: { HUBSPOT_TOKEN: TOKEN } });
    try {
      const run = await smallJob.sync(QUICK);
      seen.push(run.output, run.logs, run.summary.error ?? "");
      expect(run.summary.error).toBeNull();
      expect(run.summary.counts.inserted).toBe(2);
      const contact = smallJob.contacts().get(hubspotContactId(42));
      expect(contact?.company).toBe("Studio Giordano");
      expect(contact?.ext_info.map((block) => block.caption)).toEqual(["Role", "City", "HubSpot ID"]);
      expect(small.requests.some((r) => r.url.pathname.endsWith("/batch/read"))).toBe(false);
    } finally {
      await smallJob.close();
      await small.close();
    }
  });

  it("never lets the token into output, logs, errors or the store", async () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const text of seen) expect(text).not.toContain(TOKEN);
    // The logs name the URLs asked (debug), so the check above looked at them.
    expect(seen.join("\n")).toContain(HUBSPOT_CONTACTS_PATH);
    expect(await job.storeText()).not.toContain(TOKEN);
  });
});
