// The emulator spoken to by encoders other than our client's: undici's FormData, hand-built multipart, urlencoded.
import { FormData, fetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";

const TOKEN = "tok-EMU-9c1d";
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN, maxContactsPerRequest: 5, postMaxBytes: 64 * 1024 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.phonebook.clear();
  emulator.faults.clear();
});

function serviceUrl(service: string, extra: Record<string, string> = {}, token = TOKEN): string {
  const url = new URL(emulator.url);
  url.searchParams.set("service", service);
  url.searchParams.set("token", token);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  return url.toString();
}

async function post(body: FormData | string, headers: Record<string, string> = {}, query: Record<string, string> = { verbose_output: "1" }): Promise<string> {
  const response = await fetch(serviceUrl("phonebook_import_sync", query), { method: "POST", body, headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/xml/);
  return response.text();
}

function form(...values: string[]): FormData {
  const data = new FormData();
  for (const value of values) data.append("contacts", value);
  return data;
}

const gustavo = { name: "Gustavo", surname: "Fring", numoffice: "0733123123", uc_app_name: "HBO", uc_external_id: "contact-1" };

describe("the emulator reads phonebook_import_sync bodies as PHP's $_POST would", () => {
  it("accepts a body built by undici's FormData and answers in the guide's verbose format", async () => {
    const xml = await post(form(JSON.stringify([gustavo])));
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8" \?>\n<result>\n\t<outcome>0<\/outcome>/);
    expect(xml).toMatch(/<processed>1<\/processed>\s*<skipped>0<\/skipped>\s*<warnings>0<\/warnings>\s*<errors>0<\/errors>/);
    expect(xml).toMatch(/<contacts>\s*<contact>\s*<uc_external_id>contact-1<\/uc_external_id>\s*<id>\d+<\/id>\s*<act>insert<\/act>\s*<info><\/info>/);
    expect(emulator.phonebook.find("HBO", "contact-1")).toMatchObject({ name: "Gustavo", numoffice: "0733123123" });
  });

  it("accepts a hand-written multipart body with CRLF line ends and a quoted boundary", async () => {
    const boundary = "----hand-made-7d1";
    const body = [`--${boundary}`, 'Content-Disposition: form-data; name="contacts"', "", JSON.stringify([gustavo]), `--${boundary}--`, ""].join("\r\n");
    const xml = await post(body, { "content-type": `multipart/form-data; boundary="${boundary}"` });
    expect(xml).toMatch(/<act>insert<\/act>/);
    expect(emulator.phonebook.count()).toBe(1);
  });

  it("accepts an application/x-www-form-urlencoded body, as PHP does", async () => {
    const xml = await post(new URLSearchParams({ contacts: JSON.stringify([gustavo]) }).toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(xml).toMatch(/<act>insert<\/act>/);
  });

  it("answers only the counts without verbose_output=1", async () => {
    const xml = await post(form(JSON.stringify([gustavo])), {}, {});
    expect(xml).toMatch(/<processed>1<\/processed>/);
    expect(xml).not.toMatch(/<contacts>/);
  });

  const refusals: Array<[string, () => FormData | string, Record<string, string>, RegExp]> = [
    ["a body without a contacts field", () => new FormData(), {}, /missing parameter contacts/],
    ["a JSON body, which PHP does not put in $_POST", () => JSON.stringify({ contacts: [gustavo] }), { "content-type": "application/json" }, /missing parameter contacts/],
    ["contacts sent as a file part", () => {
      const data = new FormData();
      data.append("contacts", new Blob([JSON.stringify([gustavo])], { type: "application/json" }), "contacts.json");
      return data;
    }, {}, /missing parameter contacts \(it was sent as a file, not as a form field\)/],
    ["two contacts fields", () => form("[]", "[]"), {}, /parameter contacts given more than once/],
    ["contacts that are not JSON", () => form("[{name: Gustavo}]"), {}, /contacts is not valid JSON/],
    ["contacts that are a JSON object, not an array", () => form(JSON.stringify(gustavo)), {}, /contacts is not a JSON array of contacts/],
    ["more contacts than the configured limit", () => form(JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ ...gustavo, uc_external_id: `c${i}` })))), {}, /too many contacts in one request: 6 \(limit 5\)/],
    ["a body over post_max_size", () => form(JSON.stringify([{ ...gustavo, company: "x".repeat(70 * 1024) }])), {}, /request body too large \(post_max_size 65536 bytes\)/],
  ];
  for (const [what, body, headers, error] of refusals) {
    it(`refuses ${what} with outcome=1 and says why`, async () => {
      const xml = await post(body(), headers);
      expect(xml).toMatch(/<outcome>1<\/outcome>\s*<error>/);
      expect(xml).toMatch(error);
      expect(emulator.phonebook.count()).toBe(0);
    });
  }

  it("refuses phonebook_import_sync called with GET", async () => {
    const xml = await (await fetch(serviceUrl("phonebook_import_sync"))).text();
    expect(xml).toMatch(/<error>phonebook_import_sync must be called with POST<\/error>/);
  });

  it("refuses a wrong token, a missing token, a missing service and an unknown service", async () => {
    const wrong = await (await fetch(serviceUrl("get_phonebook", {}, "nope"))).text();
    expect(wrong).toMatch(/<outcome>1<\/outcome>\s*<error>invalid token<\/error>/);
    const missing = await (await fetch(`${emulator.url}?service=get_phonebook`)).text();
    expect(missing).toMatch(/<error>invalid token<\/error>/);
    const noService = await (await fetch(`${emulator.url}?token=${TOKEN}`)).text();
    expect(noService).toMatch(/<error>missing parameter service<\/error>/);
    const unknown = await (await fetch(serviceUrl("get_entities_xyz"))).text();
    expect(unknown).toMatch(/<error>unknown service get_entities_xyz<\/error>/);
  });

  it("serves any path ending in seri_endpoint.php and answers 404 elsewhere", async () => {
    const other = new URL(serviceUrl("get_phonebook"));
    other.pathname = "/custom/dir/seri_endpoint.php";
    expect(await (await fetch(other)).text()).toMatch(/<outcome>0<\/outcome>/);
    other.pathname = "/PBX/index.php";
    expect((await fetch(other)).status).toBe(404);
  });
});

describe("the emulator's import rules", () => {
  it("sanitizes numbers to digits with an optional leading + and warns about each change", async () => {
    const contact = { ...gustavo, numoffice: "+39 (0733) 123-123", nummobile: "333/1234567", numfax: "n/a", numhome: "0733123123" };
    const xml = await post(form(JSON.stringify([contact])));
    expect(xml).toMatch(/<warnings>1<\/warnings>/);
    expect(xml).toContain("numoffice sanitized: &quot;+39 (0733) 123-123&quot; -&gt; &quot;+390733123123&quot;");
    expect(xml).toContain("nummobile sanitized: &quot;333/1234567&quot; -&gt; &quot;3331234567&quot;");
    expect(xml).toContain("numfax sanitized: &quot;n/a&quot; -&gt; &quot;&quot;");
    expect(xml).not.toContain("numhome sanitized");
    expect(emulator.phonebook.find("HBO", "contact-1")).toMatchObject({
      numoffice: "+390733123123",
      nummobile: "3331234567",
      numfax: "",
      numhome: "0733123123",
    });
  });

  it("skips contacts without coordinates or without any of name, surname and company, and says why", async () => {
    const contacts = [
      { name: "No id", uc_app_name: "HBO" },
      { name: "No app", uc_external_id: "x-1" },
      { numoffice: "0733000000", uc_app_name: "HBO", uc_external_id: "nameless" },
      "not an object",
      { company: "Only a company", uc_app_name: "HBO", uc_external_id: "company-only" },
    ];
    const xml = await post(form(JSON.stringify(contacts)));
    expect(xml).toMatch(/<processed>5<\/processed>\s*<skipped>4<\/skipped>/);
    expect(xml).toContain("<info>uc_external_id is missing or empty</info>");
    expect(xml).toContain("<info>uc_app_name is missing or empty</info>");
    expect(xml).toContain("<info>no name, surname or company</info>");
    expect(xml).toContain("<info>contact #4 is not a JSON object</info>");
    expect(emulator.phonebook.all().map((contact) => contact.uc_external_id)).toEqual(["company-only"]);
  });

  it("warns about unknown fields, over-long texts and unusable ext_info, and stores the rest", async () => {
    const contact = { ...gustavo, fax: "1", name: "N".repeat(300), ext_info: [{ caption: "Credit", value: "10" }, { value: "no caption" }] };
    const xml = await post(form(JSON.stringify([contact])));
    expect(xml).toContain("name truncated to 255 characters");
    expect(xml).toContain("unknown field ignored: fax");
    expect(xml).toContain("ext_info: 1 block(s) without caption or value ignored");
    const stored = emulator.phonebook.find("HBO", "contact-1");
    expect(stored?.name).toHaveLength(255);
    expect(stored?.ext_info).toEqual([{ caption: "Credit", value: "10" }]);
  });

  it("updates a contact sent twice in one request instead of storing it twice", async () => {
    const xml = await post(form(JSON.stringify([gustavo, { ...gustavo, company: "Second" }])));
    expect(xml.match(/<act>(\w+)<\/act>/g)).toEqual(["<act>insert</act>", "<act>update</act>"]);
    expect(emulator.phonebook.count()).toBe(1);
    expect(emulator.phonebook.find("HBO", "contact-1")?.company).toBe("Second");
  });
});

describe("the emulator's fault plan", () => {
  it("applies a fault the given number of times, then answers normally again", async () => {
    emulator.faults.add({ service: "get_phonebook", times: 2, status: 502 });
    expect(emulator.faults.pending()).toBe(2);
    expect((await fetch(serviceUrl("get_phonebook"))).status).toBe(502);
    expect((await fetch(serviceUrl("phonebook_import_sync"))).status).toBe(200);
    expect((await fetch(serviceUrl("get_phonebook"))).status).toBe(502);
    expect(emulator.faults.pending()).toBe(0);
    expect((await fetch(serviceUrl("get_phonebook"))).status).toBe(200);
    expect(emulator.requestLog.at(-2)).toMatchObject({ service: "get_phonebook", outcome: "fault", error: "fault: HTTP 502" });
  });

  it("delays an answer by delayMs and then answers normally", async () => {
    emulator.faults.add({ service: "get_phonebook", delayMs: 300 });
    const started = performance.now();
    const xml = await (await fetch(serviceUrl("get_phonebook"))).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(xml).toMatch(/<outcome>0<\/outcome>/);
  });

  it("fails only the named contacts with contactErrors and stores the others", async () => {
    emulator.faults.add({ contactErrors: { "contact-2": "database is locked" } });
    const xml = await post(form(JSON.stringify([gustavo, { ...gustavo, uc_external_id: "contact-2" }])));
    expect(xml).toMatch(/<errors>1<\/errors>/);
    expect(xml).toMatch(/<uc_external_id>contact-2<\/uc_external_id>\s*<id><\/id>\s*<act>error<\/act>\s*<info>database is locked<\/info>/);
    expect(emulator.phonebook.count()).toBe(1);
  });

  it("takes faults and reports state through the admin endpoints, with the token", async () => {
    const admin = (route: string, init?: { method: string; body?: string }, token = TOKEN) =>
      fetch(`${new URL(emulator.url).origin}/__emulator/${route}?token=${token}`, init);
    expect((await admin("stats", undefined, "nope")).status).toBe(403);
    expect((await admin("faults", { method: "POST", body: JSON.stringify({ service: "get_phonebook", outcomeError: "busy" }) })).status).toBe(200);
    expect(await (await fetch(serviceUrl("get_phonebook"))).text()).toMatch(/<error>busy<\/error>/);
    await post(form(JSON.stringify([gustavo])));
    const contacts = (await (await admin("contacts")).json()) as Array<{ uc_external_id: string }>;
    expect(contacts.map((contact) => contact.uc_external_id)).toEqual(["contact-1"]);
    const stats = (await (await admin("stats")).json()) as { contacts: number; requests: number };
    expect(stats.contacts).toBe(1);
    expect(stats.requests).toBe(emulator.requests);
    expect((await admin("reset", { method: "POST" })).status).toBe(200);
    expect(emulator.phonebook.count()).toBe(0);
    expect(JSON.stringify(emulator.requestLog)).not.toContain(TOKEN);
  });
});
