// A CardDAV address book on a real Radicale server synced into the PBX emulator with mappings/vcard.yaml: the first
// run sends every card, the next ones fetch only what changed (sync-collection), and edits, additions and deletions
// made through Radicale arrive; a refused sync token, a wrong password and a server gone mid-read are handled.
import path from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "../../src/cli/sync-runner.js";
import { parseConfig } from "../../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/store/index.js";
import type { RunSummary } from "../../src/sync/run-types.js";
import { ROOT } from "../helpers/cli.js";
import { startCutProxy } from "../helpers/cut-proxy.js";
import { startRadicale, type RunningRadicale } from "../helpers/radicale.js";
import { tempDir } from "../helpers/temp.js";
import { generateCards, type GeneratedCard } from "../helpers/vcards.js";

const TOKEN = "tok-CARDDAV-e2e-41c9";
/**
 * A card Radicale stores (its parser takes the inner card for a sub-component) but that is malformed: one vCard
 * inside another, as some exports write an AGENT. (Radicale refuses to store the usual broken lines.)
 */
const BROKEN = {
  fileName: "broken.vcf",
  text: ["BEGIN:VCARD", "VERSION:3.0", "UID:broken-0001", "FN:Mario Rotto", "N:Rotto;Mario;;;", "BEGIN:VCARD", "FN:Agent", "END:VCARD", "TEL;TYPE=CELL:+39 333 000 1111", "END:VCARD", ""].join("\r\n"),
};
const CARDS = 240;

let radicale: RunningRadicale;
let emulator: RunningEmulator;
let dir: string;
let book: string;
let cards: GeneratedCard[];

beforeAll(async () => {
  [radicale, emulator, dir] = await Promise.all([startRadicale(), startEmulator({ port: 0, token: TOKEN }), tempDir("pbsync-carddav-")]);
  book = await radicale.createAddressBook("contacts", "Contacts");
  // A second book the job does not read: its cards must never reach the PBX.
  const other = await radicale.createAddressBook("private", "Private");
  await radicale.putCard(other, "private.vcf", generateCards(1, 99)[0]?.text ?? "");
  cards = generateCards(CARDS, 7);
  for (const card of cards) await radicale.putCard(book, card.fileName, card.text);
  await radicale.putCard(book, BROKEN.fileName, BROKEN.text);
}, 120_000);

afterAll(async () => {
  await Promise.all([radicale?.stop(), emulator?.close()]);
});

interface SyncOptions {
  password?: string;
  full?: boolean;
  /** The server's URL: default the recording proxy in front of Radicale. */
  url?: string;
}

/** The job's configuration: the address book "Contacts" of the Radicale server. */
function config({ password = radicale.password, url = radicale.url }: SyncOptions): ReturnType<typeof parseConfig> {
  const text = `pbx: { url: "${emulator.url}", token: "\${PBX_TOKEN}" }
store: { client: sqlite, filename: ./store.sqlite }
jobs:
  - name: book
    appName: CARDDAV
    source:
      type: carddav
      url: "${url}"
      username: ${radicale.user}
      password: "\${CARDDAV_PASSWORD}"
      addressBooks: [Contacts]
      multigetSize: 50
    mapping: ${path.join(ROOT, "mappings", "vcard.yaml")}
    deletions: { maxDeleteRatio: 0.5 }
`;
  return parseConfig(text, path.join(dir, "config.yaml"), { env: { PBX_TOKEN: TOKEN, CARDDAV_PASSWORD: password } });
}

/** The source's own account of its last read ("carddav source read": fetched, unchanged, removed...). */
let lastRead: Record<string, unknown> | undefined;

async function sync(options: SyncOptions = {}): Promise<RunSummary> {
  const out = new Writable({ write: (_chunk, _encoding, done) => done() });
  lastRead = undefined;
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.includes('"carddav source read"')) lastRead = JSON.parse(line) as Record<string, unknown>;
      }
      done();
    },
  });
  const logger = createLogger({ level: "info", destination });
  const [summary] = await runSync(config(options), { logger, out, ...(options.full ? { full: true } : {}) });
  if (!summary) throw new Error("no run");
  return summary;
}

/** The requests the sync made to Radicale since the last clear, as "METHOD path". */
function davRequests(): string[] {
  return radicale.requests().map((request) => `${request.method} ${decodeURIComponent(request.path)}`);
}

/** Import requests the PBX answered since `start` (an ISO time). */
function importsSince(start: string): number {
  return emulator.requestLog.filter((entry) => entry.at >= start && entry.service === "phonebook_import_sync").length;
}

function e164(number: string): string {
  return parsePhoneNumberFromString(number, "IT")?.format("E.164") ?? "";
}

/** The report rows of a run, from the store. */
async function rowsOf(runId: number | null): Promise<Array<{ ref: string | null; outcome: string; externalId: string | null; info: string | null }>> {
  const store = await openStore({ client: "sqlite", filename: path.join(dir, "store.sqlite") }, { mustExist: true });
  try {
    const rows = [];
    for await (const row of store.results(runId ?? 0)) rows.push({ ref: row.ref, outcome: row.outcome, externalId: row.externalId, info: row.info ?? null });
    return rows;
  } finally {
    await store.close();
  }
}

describe("a CardDAV address book on Radicale", () => {
  it("sends every card on the first run, routing numbers by TEL type, and reports the malformed card by href and line", async () => {
    const first = await sync();
    expect(first.counts).toMatchObject({ read: CARDS, invalid: 1, inserted: CARDS, errors: 0 });
    expect(emulator.phonebook.count()).toBe(CARDS);
    for (const card of cards.slice(0, 24)) {
      const contact = emulator.phonebook.find("CARDDAV", card.uid);
      // ORG's first component is the company ("Bäckerei Groß;Filiale 2": the second is a unit, in "Job title").
      const company = card.org?.split("; ")[0] ?? "";
      expect(contact, card.fn).toMatchObject({ name: card.givenName, surname: card.familyName, company, email: card.email ?? "" });
      const cell = card.phones.find((phone) => phone.types.includes("cell"));
      const work = card.phones.find((phone) => phone.types.includes("work") && !phone.types.includes("fax"));
      if (cell && e164(cell.number) !== e164(work?.number ?? "")) expect(contact?.nummobile, card.fn).toBe(e164(cell.number));
      if (work) expect(contact?.numoffice, card.fn).toBe(e164(work.number));
      if (card.categories.length > 0) expect(contact?.ext_info, card.fn).toContainEqual({ caption: "Groups", value: card.categories.join(", ") });
    }
    const rows = await rowsOf(first.runId);
    const invalid = rows.filter((row) => row.outcome === "invalid");
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.ref).toBe(`/${radicale.user}/contacts/${BROKEN.fileName}`);
    // The line of the card as the server gives it (Radicale writes it anew: one line more than was PUT).
    expect(invalid[0]?.info).toMatch(/^\/alice\/contacts\/broken\.vcf line [67]: BEGIN:VCARD inside a card/);
  });

  it("fetches nothing and sends nothing when nothing changed", async () => {
    radicale.clearRequests();
    const start = new Date().toISOString();
    const second = await sync();
    expect(second.status).toBe("success");
    expect(second.counts).toMatchObject({ read: CARDS + 1, unchanged: CARDS + 1, inserted: 0, updated: 0, deleted: 0 });
    expect(importsSince(start)).toBe(0);
    const requests = davRequests();
    // Discovery of the books, then one sync-collection of "Contacts": no card is fetched.
    expect(requests.filter((request) => request.startsWith("REPORT"))).toEqual([`REPORT /${radicale.user}/contacts/`]);
    expect(requests.filter((request) => request.startsWith("GET"))).toEqual([]);
    expect(lastRead).toMatchObject({ fetched: 0, unchanged: CARDS + 1, removed: 0, delta: 1 });
  });

  it("fetches only the cards edited and added through Radicale, and deletes the PBX contacts of the deleted ones", async () => {
    const edited = cards.slice(10, 13);
    for (const card of edited) await radicale.putCard(book, card.fileName, card.text.replace(/^FN:.*$/m, `FN:${card.fn}`).replace(/^N:[^;\r\n]*/m, "N:Cambiato"));
    const added = generateCards(2, 8).map((card, index) => ({ ...card, fileName: `new-${index}.vcf` }));
    for (const card of added) await radicale.putCard(book, card.fileName, card.text);
    const deleted = cards.slice(20, 22);
    for (const card of deleted) await radicale.deleteCard(`/${radicale.user}/contacts/${card.fileName}`);
    radicale.clearRequests();

    const third = await sync();
    expect(third.status).toBe("success");
    expect(third.counts).toMatchObject({ updated: 3, inserted: 2, deleted: 2, unchanged: CARDS + 1 - 5 });
    for (const card of edited) expect(emulator.phonebook.find("CARDDAV", card.uid)?.surname).toBe("Cambiato");
    for (const card of added) expect(emulator.phonebook.find("CARDDAV", card.uid)?.name).toBe(card.givenName);
    for (const card of deleted) expect(emulator.phonebook.find("CARDDAV", card.uid)).toBeUndefined();
    expect(emulator.phonebook.count()).toBe(CARDS);
    // One sync-collection, and one multiget of the five cards that changed; the rest counted from the store.
    expect(davRequests().filter((request) => request.startsWith("REPORT"))).toEqual([`REPORT /${radicale.user}/contacts/`, `REPORT /${radicale.user}/contacts/`]);
    expect(lastRead).toMatchObject({ fetched: 5, unchanged: CARDS + 1 - 5, removed: 2, delta: 1, problems: 0 });

    const fourth = await sync();
    expect(fourth.counts).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: CARDS + 1 });
  });

  it("lists the book in full with ETags when Radicale refuses the stored sync token, fetching no unchanged card", async () => {
    const db = new Database(path.join(dir, "store.sqlite"));
    try {
      const row = db.prepare("SELECT watermark FROM source_watermarks WHERE job = 'book'").get() as { watermark: string };
      const tokens = JSON.parse(row.watermark) as Record<string, string>;
      expect(Object.values(tokens)).toHaveLength(1);
      const bogus = Object.fromEntries(Object.keys(tokens).map((url) => [url, "http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000"]));
      db.prepare("UPDATE source_watermarks SET watermark = ? WHERE job = 'book'").run(JSON.stringify(bogus));
    } finally {
      db.close();
    }
    radicale.clearRequests();
    const run = await sync();
    expect(run.status).toBe("success");
    expect(run.counts).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: CARDS + 1, warnings: 1 });
    const warning = (await rowsOf(run.runId)).find((row) => row.outcome === "warning");
    expect(warning?.info).toMatch(/no longer knows the sync token/);
    // The refused delta, then the full listing: still no multiget.
    expect(davRequests().filter((request) => request.startsWith("REPORT"))).toEqual([`REPORT /${radicale.user}/contacts/`, `REPORT /${radicale.user}/contacts/`]);
  });

  it("fails on a wrong password naming the user and the URL, never the password, and deletes nothing", async () => {
    const wrong = "not-the-password-5d2e";
    const run = await sync({ password: wrong });
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/SOURCE_CARDDAV/);
    expect(run.error).toContain(`"${radicale.user}"`);
    expect(run.error).toContain(`127.0.0.1:${radicale.port}`);
    expect(run.error).not.toContain(wrong);
    expect(emulator.phonebook.count()).toBe(CARDS);
  });

  it("fails the read and deletes nothing when the server goes away mid-listing", async () => {
    // The connection drops 20 kB into the answers: within the listing of the 240 cards.
    const cut = await startCutProxy(radicale.radicalePort, 20_000);
    try {
      const run = await sync({ url: `${cut.url}/`, full: true });
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/source read failed after 0 records: SOURCE_CARDDAV/);
      expect(cut.cuts).toBeGreaterThan(0);
      expect(run.counts.deleted).toBe(0);
      expect(emulator.phonebook.count()).toBe(CARDS);
    } finally {
      await cut.close();
    }
  });
});
