// The emulator's fault plan at a chosen request: after, Retry-After, going away (refused TCP) and back, broken and partial answers.
import net from "node:net";
import { FormData, fetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";

const TOKEN = "tok-EMU-FAULTS-4e20";
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.phonebook.clear();
  emulator.faults.clear();
});

function serviceUrl(service: string): string {
  return `${emulator.url}?service=${service}&token=${TOKEN}&verbose_output=1`;
}

function importSync(ids: readonly string[]): Promise<Response> {
  const data = new FormData();
  data.append("contacts", JSON.stringify(ids.map((id) => ({ name: `Name ${id}`, uc_app_name: "APP", uc_external_id: id }))));
  return fetch(serviceUrl("phonebook_import_sync"), { method: "POST", body: data }) as unknown as Promise<Response>;
}

/** Resolves with the error code of a plain TCP connect to the emulator's port, or "connected". */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
  });
}

describe("the emulator's fault plan at a chosen request", () => {
  it("lets `after` matching requests pass, then applies the fault `times` times, and logs what each request took", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", after: 2, times: 2, status: 502 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await importSync([`c-${i}`])).status);
    // Requests to another service do not count.
    expect((await fetch(serviceUrl("get_phonebook"))).status).toBe(200);
    expect(statuses).toEqual([200, 200, 502, 502, 200]);
    expect(emulator.requestLog.slice(-6).map((entry) => entry.fault ?? "")).toEqual(["", "", "fault: HTTP 502", "fault: HTTP 502", "", ""]);
  });

  it("counts the requests an earlier fault took toward a later fault's `after`", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", status: 500 });
    emulator.faults.add({ service: "phonebook_import_sync", after: 1, status: 503 });
    expect((await importSync(["a"])).status).toBe(500);
    expect((await importSync(["b"])).status).toBe(503);
    expect((await importSync(["c"])).status).toBe(200);
  });

  it("sends a Retry-After header with the status when retryAfter is given", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", status: 429, retryAfter: 7 });
    const response = await importSync(["a"]);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
  });

  it("goes away with goAway: the request is dropped, then TCP connections are refused until it is back on the same port", async () => {
    const pbx = await startEmulator({ port: 0, token: TOKEN });
    try {
      pbx.faults.add({ goAway: true, backAfterMs: 300 });
      const url = `${pbx.url}?service=get_phonebook&token=${TOKEN}`;
      await expect(fetch(url)).rejects.toThrow();
      expect(pbx.listening).toBe(false);
      expect(await connect(pbx.port)).toBe("ECONNREFUSED");
      await expect.poll(() => pbx.listening, { timeout: 5_000 }).toBe(true);
      expect((await fetch(url)).status).toBe(200);
      expect(pbx.requestLog.map((entry) => entry.fault ?? "")).toEqual(["fault: went away for 300 ms", ""]);
    } finally {
      await pbx.close();
    }
  });

  it("stays away without backAfterMs until reopen(), and closes while away", async () => {
    const pbx = await startEmulator({ port: 0, token: TOKEN });
    try {
      pbx.faults.add({ goAway: true });
      await expect(fetch(`${pbx.url}?service=get_phonebook&token=${TOKEN}`)).rejects.toThrow();
      expect(await connect(pbx.port)).toBe("ECONNREFUSED");
      await pbx.reopen();
      expect(await connect(pbx.port)).toBe("connected");
      pbx.faults.add({ goAway: true });
      await expect(fetch(`${pbx.url}?service=get_phonebook&token=${TOKEN}`)).rejects.toThrow();
    } finally {
      await pbx.close();
    }
    expect(await connect(pbx.port)).toBe("ECONNREFUSED");
  });

  it("stores the contacts and leaves the named ones and the last k out of verbose_output with omitContacts and omitLast", async () => {
    emulator.faults.add({ omitContacts: ["b"], omitLast: 1 });
    const xml = await (await importSync(["a", "b", "c", "d"])).text();
    expect([...xml.matchAll(/<uc_external_id>(.*?)<\/uc_external_id>/g)].map((match) => match[1])).toEqual(["a", "c"]);
    expect(xml).toMatch(/<processed>4<\/processed>/);
    expect(emulator.phonebook.count()).toBe(4);
  });

  it("stores the contacts and cuts the answer with truncatedXml; sends half and drops the connection with resetMidAnswer", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", truncatedXml: true });
    const cut = await (await importSync(["a", "b"])).text();
    expect(cut.startsWith('<?xml version="1.0" encoding="UTF-8" ?>\n<result>')).toBe(true);
    expect(cut).not.toMatch(/<\/result>/);
    emulator.faults.add({ service: "phonebook_import_sync", resetMidAnswer: true });
    const response = await importSync(["c"]);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(emulator.phonebook.count()).toBe(3);
    expect(emulator.requestLog.slice(-2)).toMatchObject([
      { outcome: "fault", error: "fault: truncated XML", contacts: 2 },
      { outcome: "fault", error: "fault: reset mid-answer", contacts: 1 },
    ]);
  });

  it("answers malformedXml with a whole answer that is not well-formed, and maxContactsPerRequest with the limit's refusal", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", malformedXml: true });
    const malformed = await (await importSync(["a"])).text();
    expect(malformed).toMatch(/<\/result>\n$/);
    expect(malformed).toMatch(/Smith & Sons/);
    emulator.faults.add({ service: "phonebook_import_sync", maxContactsPerRequest: 1 });
    expect(await (await importSync(["a", "b"])).text()).toMatch(/<outcome>1<\/outcome>\s*<error>too many contacts in one request: 2 \(limit 1\)<\/error>/);
    expect(emulator.phonebook.count()).toBe(0);
  });

  it("takes the new fields through the admin endpoint and refuses a bad one with 400 naming it", async () => {
    const admin = (body: unknown) => fetch(`${new URL(emulator.url).origin}/__emulator/faults?token=${TOKEN}`, { method: "POST", body: JSON.stringify(body) });
    expect((await admin({ service: "phonebook_import_sync", after: 1, status: 503, retryAfter: 2 })).status).toBe(200);
    expect((await importSync(["a"])).status).toBe(200);
    expect((await importSync(["b"])).headers.get("retry-after")).toBe("2");
    const bad = await admin({ after: -1 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "not a fault: invalid fault after -1: use a whole number >= 0" });
    expect((await admin({ omitContacts: "a" })).status).toBe(400);
    expect(emulator.faults.pending()).toBe(0);
  });
});
