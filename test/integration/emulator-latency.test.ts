// The emulator as a slow PBX: phonebook_import_sync answers held baseMs + perContactMs per contact, set at start or by the admin endpoint.
import { FormData, fetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseLatency, startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";

const TOKEN = "tok-EMU-LATENCY-7c1d";
const LATENCY = { baseMs: 20, perContactMs: 1 };
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN, latency: LATENCY });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.phonebook.clear();
  emulator.faults.clear();
  emulator.latency.set(LATENCY);
});

function serviceUrl(service: string): string {
  return `${emulator.url}?service=${service}&token=${TOKEN}&verbose_output=1`;
}

async function importSync(prefix: string, count: number): Promise<number> {
  const data = new FormData();
  const contacts = Array.from({ length: count }, (_, i) => ({ name: `Name ${i}`, uc_app_name: "APP", uc_external_id: `${prefix}-${i}` }));
  data.append("contacts", JSON.stringify(contacts));
  const response = await fetch(serviceUrl("phonebook_import_sync"), { method: "POST", body: data });
  await response.text();
  return response.status;
}

function postLatency(body: string): Promise<{ status: number; json: unknown }> {
  return fetch(`${new URL(emulator.url).origin}/__emulator/latency?token=${TOKEN}`, { method: "POST", body }).then(async (response) => ({
    status: response.status,
    json: await response.json(),
  }));
}

/** The log entries of phonebook_import_sync requests since `from`, by their contact count. */
function importEntries(from: number) {
  return emulator.requestLog.slice(from).filter((entry) => entry.service === "phonebook_import_sync");
}

describe("the emulator's latency", () => {
  it("holds each phonebook_import_sync answer at least baseMs + perContactMs × its contacts after it arrived, side by side", async () => {
    const from = emulator.requestLog.length;
    const totalBefore = emulator.latency.totalMs();
    expect(await Promise.all([importSync("big", 30), importSync("small", 1)])).toEqual([200, 200]);
    const held = new Map(importEntries(from).map((entry) => [entry.contacts, entry.heldMs]));
    expect(held.get(30)).toBeGreaterThanOrEqual(20 + 30);
    expect(held.get(1)).toBeGreaterThanOrEqual(20 + 1);
    // The PBX's own time, as the benchmark reads it: the holds set, one after another.
    expect(emulator.latency.totalMs() - totalBefore).toBe(50 + 21);
    expect(emulator.phonebook.count()).toBe(31);
  });

  it("holds a refused request for baseMs (it stored none), but neither other services nor a fault's own answer", async () => {
    const from = emulator.requestLog.length;
    emulator.faults.add({ service: "phonebook_import_sync", status: 503 });
    expect(await importSync("faulted", 5)).toBe(503);
    emulator.faults.add({ service: "phonebook_import_sync", maxContactsPerRequest: 2 });
    expect(await importSync("refused", 5)).toBe(200);
    expect((await fetch(serviceUrl("get_phonebook"))).status).toBe(200);
    const log = emulator.requestLog.slice(from);
    expect(log.map((entry) => [entry.outcome, entry.heldMs === undefined ? "not held" : "held"])).toEqual([
      ["fault", "not held"],
      ["refused", "held"],
      ["ok", "not held"],
    ]);
    expect(log[1]?.heldMs).toBeGreaterThanOrEqual(20);
  });

  it("is changed and switched off by POST /__emulator/latency, and shown by GET stats", async () => {
    const stats = async () => (await (await fetch(`${new URL(emulator.url).origin}/__emulator/stats?token=${TOKEN}`)).json()) as { latency: unknown; latencyTotalMs: number };
    expect((await stats()).latency).toEqual(LATENCY);
    expect(await postLatency(JSON.stringify({ baseMs: 5, perContactMs: 0.5 }))).toEqual({ status: 200, json: { latency: { baseMs: 5, perContactMs: 0.5 } } });
    expect((await stats()).latency).toEqual({ baseMs: 5, perContactMs: 0.5 });
    expect(await postLatency("null")).toEqual({ status: 200, json: { latency: null } });
    const from = emulator.requestLog.length;
    const totalBefore = (await stats()).latencyTotalMs;
    expect(await importSync("fast", 3)).toBe(200);
    expect(importEntries(from)[0]?.heldMs).toBeUndefined();
    expect((await stats()).latencyTotalMs).toBe(totalBefore);
  });

  it("refuses a bad latency with a message naming the field and the range, and keeps the one it had", async () => {
    expect(await postLatency(JSON.stringify({ baseMs: -1, perContactMs: 0 }))).toEqual({
      status: 400,
      json: { error: "invalid emulator latency baseMs -1: use a number of milliseconds 0..600000" },
    });
    expect(await postLatency(JSON.stringify({ baseMs: 1 }))).toEqual({
      status: 400,
      json: { error: "invalid emulator latency perContactMs (missing): use a number of milliseconds 0..10000" },
    });
    expect(await postLatency(JSON.stringify({ baseMs: 1, perContact: 2 }))).toEqual({
      status: 400,
      json: { error: "invalid emulator latency: unknown field(s) perContact; use baseMs and perContactMs" },
    });
    const notJson = await postLatency("100+0.5");
    expect(notJson.status).toBe(400);
    expect(notJson.json).toEqual({ error: expect.stringMatching(/^the latency is not JSON: /) as unknown });
    expect(emulator.latency.get()).toEqual(LATENCY);
    await expect(startEmulator({ port: 0, token: TOKEN, latency: { baseMs: 10, perContactMs: Number.NaN } })).rejects.toThrow(
      "invalid emulator latency perContactMs NaN: use a number of milliseconds 0..10000",
    );
  });
});

describe("--latency", () => {
  it("reads BASE+PER_CONTACT, or BASE alone", () => {
    expect(parseLatency("100+0.5")).toEqual({ baseMs: 100, perContactMs: 0.5 });
    expect(parseLatency(" 250 ")).toEqual({ baseMs: 250, perContactMs: 0 });
    expect(() => parseLatency("100ms")).toThrow('invalid latency "100ms": use BASE+PER_CONTACT in milliseconds, e.g. 100+0.5');
    expect(() => parseLatency("100+20000")).toThrow("invalid emulator latency perContactMs 20000: use a number of milliseconds 0..10000");
  });

  it("is a usage error (exit 2) on the command line when it cannot be read", async () => {
    const result = await runCli(["emulator", "--port", "0", "--latency", "slow"], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid latency "slow": use BASE+PER_CONTACT in milliseconds, e.g. 100+0.5');
  });
});
