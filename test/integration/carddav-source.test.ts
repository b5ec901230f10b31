// The CardDAV source driven as the sync drives it (open, check, read with a SQLite store's SourceRefs, settle): servers
// without sync-collection, several address books, cards a multiget answer refuses or leaves out, broken cards,
// dry and --full reads, and reads without the refs (incremental: false, the one-shot read).
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carddavConfigSchema, carddavConnector, type CarddavConfig } from "../../connectors/carddav.js";
import { DavError } from "../../connectors/carddav-dav.js";
import type { CheckResult, SourceItem } from "../../connectors/types.js";
import { isSyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { openStore, type SqlStore } from "../../src/store/index.js";
import { startFakeDav, type FakeDavServer } from "../helpers/fake-dav.js";
import { startRadicale, type RunningRadicale } from "../helpers/radicale.js";
import { tempDir } from "../helpers/temp.js";
import { generateCards, malformedCard } from "../helpers/vcards.js";

/** The mapping and source hash the engine would key the refs by: any fixed value does here. */
const SOURCE_KEY = "c".repeat(40);

let store: SqlStore;
let dir: string;
/** Radicale without RFC 6578: one whose discovery says so, one that answers the REPORT 501. */
let hidden: RunningRadicale;
let refused: RunningRadicale;
/** A user with several address books, read from the server's root. */
let several: RunningRadicale;
/** Address books read by their own URL. */
let single: RunningRadicale;

beforeAll(async () => {
  dir = await tempDir("pbsync-carddav-source-");
  [hidden, refused, several, single, store] = await Promise.all([
    startRadicale({ refuseSync: "hidden" }),
    startRadicale({ refuseSync: true }),
    startRadicale(),
    startRadicale(),
    openStore({ client: "sqlite", filename: path.join(dir, "store.sqlite") }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([hidden?.stop(), refused?.stop(), several?.stop(), single?.stop(), store?.close()]);
});

function configOf(fields: Partial<CarddavConfig> & { url: string }): CarddavConfig {
  return carddavConfigSchema.parse({ type: "carddav", timeoutMs: 10_000, ...fields });
}

/** A Radicale source's config: the server's user and password, the URL given. */
function radicaleConfig(server: RunningRadicale, url: string, fields: Partial<CarddavConfig> = {}): CarddavConfig {
  return configOf({ url, username: server.user, password: server.password, ...fields });
}

interface ReadRun {
  /** Where the read starts (the last complete run's watermark). */
  since?: string;
  /** False: a dry run (its refs write nothing). */
  write?: boolean;
  /** False: a --full run (no settled version is found). */
  lookups?: boolean;
}

interface Read {
  check: CheckResult;
  items: SourceItem[];
}

/** One run as the engine makes it: open, check, read with the store's refs for a new run, close, settle. */
async function readRun(job: string, config: CarddavConfig, run: ReadRun = {}): Promise<Read> {
  const { write = true, lookups = true } = run;
  const runId = await store.createRun({ job, appName: "CARDDAV", trigger: "manual", pbx: "x", ...(write ? {} : { dryRun: true }) });
  const refs = store.sourceRefs({ job, sourceKey: SOURCE_KEY, runId, write, lookups });
  const handle = await carddavConnector.open(config, { baseDir: dir, logger: silentLogger });
  const items: SourceItem[] = [];
  let check: CheckResult;
  try {
    check = await handle.check();
    for await (const item of handle.read({ ...(run.since !== undefined ? { since: run.since } : {}), refs })) items.push(item);
  } finally {
    await handle.close();
  }
  if (write) await store.settleSourceRefs(job, SOURCE_KEY, runId);
  return { check, items };
}

/** The refs the store remembers for the job, as "ref=key", sorted. */
async function rememberedRefs(job: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.sourceRefs({ job, sourceKey: SOURCE_KEY, runId: null, write: false, lookups: true }).all()) out.push(`${entry.ref}=${entry.key}`);
  return out.sort();
}

/** The items of a kind as "ref=uid" (a record's, a present key's or a problem's uid field), sorted. */
function refsOf(items: readonly SourceItem[], kind: "record" | "present" | "problem"): string[] {
  return items
    .filter((item) => item.kind === kind)
    .map((item) => {
      const uid = "fields" in item ? item.fields?.["uid"] : undefined;
      return `${item.kind === "watermark" ? "" : item.ref}=${typeof uid === "string" ? uid : ""}`;
    })
    .sort();
}

function watermarkOf(items: readonly SourceItem[]): string | undefined {
  const marks = items.filter((item) => item.kind === "watermark");
  expect(marks.length).toBeLessThanOrEqual(1);
  return marks[0]?.kind === "watermark" ? marks[0].value : undefined;
}

/** The REPORTs a Radicale's proxy saw since the last clear, as "REPORT status" (501: a sync-collection it refused). */
function reports(server: RunningRadicale): string[] {
  return server
    .requests()
    .filter((request) => request.method === "REPORT")
    .map((request) => `REPORT ${request.status}`);
}

describe.each([
  { name: "says so in discovery (no sync-collection in supported-report-set)", server: () => hidden, refusals: 0 },
  { name: "answers the sync-collection REPORT with HTTP 501", server: () => refused, refusals: 1 },
])("a CardDAV server without sync-collection that $name", ({ server, refusals }) => {
  const job = `etags-${refusals}`;
  const cards = generateCards(5, 21 + refusals);
  let radicale: RunningRadicale;
  let book: string;
  const hrefs: string[] = [];
  const config = () => radicaleConfig(radicale, book, { multigetSize: 2 });
  const refused501 = () => Array.from({ length: refusals }, () => "REPORT 501");

  beforeAll(async () => {
    radicale = server();
    book = await radicale.createAddressBook("etags", "ETags");
    for (const card of cards) hrefs.push((await radicale.putCard(book, card.fileName, card.text)).href);
  });

  it("fetches every card with multiget on the first read, and yields no watermark", async () => {
    radicale.clearRequests();
    const { check, items } = await readRun(job, config());
    expect(check.incremental).toMatchObject({ keyColumn: "uid", refs: true });
    expect(refsOf(items, "record")).toEqual(hrefs.map((href, i) => `${href}=${cards[i]?.uid}`).sort());
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    // Five cards two at a time: three multigets, after the refused sync-collection if the server was asked.
    expect(reports(radicale)).toEqual([...refused501(), "REPORT 207", "REPORT 207", "REPORT 207"]);
    expect(await rememberedRefs(job)).toEqual(hrefs.map((href, i) => `${href}=${cards[i]?.uid}`).sort());
  });

  it("yields every card as present with its UID once settled, fetching none", async () => {
    radicale.clearRequests();
    const { items } = await readRun(job, config());
    expect(refsOf(items, "present")).toEqual(hrefs.map((href, i) => `${href}=${cards[i]?.uid}`).sort());
    expect(items).toHaveLength(cards.length);
    expect(reports(radicale)).toEqual(refused501());
  });

  it("fetches the card edited, keeps the others present, and forgets the card deleted", async () => {
    const [, gone, edited] = cards;
    if (!gone || !edited) throw new Error("too few cards");
    await radicale.deleteCard(hrefs[1] ?? "");
    await radicale.putCard(book, edited.fileName, edited.text.replace(/^FN:.*$/m, "FN:Renamed Card"));
    radicale.clearRequests();
    const { items } = await readRun(job, config());
    const records = items.filter((item) => item.kind === "record");
    expect(records.map((item) => [item.ref, item.fields["uid"], item.fields["fn"]])).toEqual([[hrefs[2], edited.uid, "Renamed Card"]]);
    expect(refsOf(items, "present")).toEqual([0, 3, 4].map((i) => `${hrefs[i]}=${cards[i]?.uid}`).sort());
    expect(items.some((item) => item.kind !== "watermark" && item.ref === hrefs[1])).toBe(false);
    expect(watermarkOf(items)).toBeUndefined();
    expect(reports(radicale)).toEqual([...refused501(), "REPORT 207"]);
    expect(await rememberedRefs(job)).toEqual([0, 2, 3, 4].map((i) => `${hrefs[i]}=${cards[i]?.uid}`).sort());
  });
});

describe("several address books of one user", () => {
  const job = "several";
  const contacts = generateCards(3, 31);
  const work = generateCards(2, 32);
  let books: { contacts: string; work: string };
  const hrefs = { contacts: [] as string[], work: [] as string[] };
  let watermark: string | undefined;

  beforeAll(async () => {
    books = { contacts: await several.createAddressBook("contacts", "Contacts"), work: await several.createAddressBook("work", "Work") };
    for (const card of contacts) hrefs.contacts.push((await several.putCard(books.contacts, card.fileName, card.text)).href);
    for (const card of work) hrefs.work.push((await several.putCard(books.work, card.fileName, card.text)).href);
  });

  it("reads both books when none is named, found from the server's root, with one sync token per book in the watermark", async () => {
    const { items } = await readRun(job, radicaleConfig(several, several.url));
    const expected = [...contacts.map((card, i) => `${hrefs.contacts[i]}=${card.uid}`), ...work.map((card, i) => `${hrefs.work[i]}=${card.uid}`)].sort();
    expect(refsOf(items, "record")).toEqual(expected);
    watermark = watermarkOf(items);
    const tokens = JSON.parse(watermark ?? "null") as Record<string, unknown>;
    expect(Object.keys(tokens).sort()).toEqual([books.contacts, books.work].sort());
    for (const token of Object.values(tokens)) expect(token).toMatch(/^http:\/\/radicale\.org\/ns\/sync\/[0-9a-f]+$/);
    expect(await rememberedRefs(job)).toEqual(expected);
  });

  it("fails in check() on a book that is not there, naming those there are", async () => {
    const handle = await carddavConnector.open(radicaleConfig(several, several.url, { addressBooks: ["Nope"] }), { baseDir: dir, logger: silentLogger });
    try {
      const err: unknown = await handle.check().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(isSyncError(err, "SOURCE_CARDDAV")).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain('no address book "Nope"');
      expect(message).toContain(`"Contacts" (${books.contacts})`);
      expect(message).toContain(`"Work" (${books.work})`);
    } finally {
      await handle.close();
    }
  });

  it("forgets the cards of a book dropped from the server, never yielding them as present", async () => {
    await several.deleteCard(books.work);
    const { items } = await readRun(job, radicaleConfig(several, several.url), { ...(watermark !== undefined ? { since: watermark } : {}) });
    const kept = contacts.map((card, i) => `${hrefs.contacts[i]}=${card.uid}`).sort();
    expect(refsOf(items, "present")).toEqual(kept);
    expect(items.filter((item) => item.kind === "record" || item.kind === "problem")).toEqual([]);
    expect(Object.keys(JSON.parse(watermarkOf(items) ?? "null") as object)).toEqual([books.contacts]);
    expect(await rememberedRefs(job)).toEqual(kept);
  });
});

describe("dry and --full reads", () => {
  const job = "dry";
  const cards = generateCards(4, 41);
  let book: string;
  const hrefs: string[] = [];
  let watermark: string | undefined;
  let settled: string[];

  beforeAll(async () => {
    book = await single.createAddressBook("dry", "Dry");
    for (const card of cards) hrefs.push((await single.putCard(book, card.fileName, card.text)).href);
    watermark = watermarkOf((await readRun(job, radicaleConfig(single, book))).items);
    settled = await rememberedRefs(job);
    expect(settled).toHaveLength(cards.length);
  });

  it("remembers and forgets nothing in a dry run, whether the read is a delta or a whole listing", async () => {
    const [edited, gone] = cards;
    if (!edited || !gone) throw new Error("too few cards");
    await single.putCard(book, edited.fileName, edited.text.replace(/^FN:.*$/m, "FN:Dry Edit"));
    await single.deleteCard(hrefs[1] ?? "");
    const added = generateCards(1, 42)[0];
    if (!added) throw new Error("no card");
    const addedHref = (await single.putCard(book, "added.vcf", added.text)).href;

    const delta = await readRun(job, radicaleConfig(single, book), { ...(watermark !== undefined ? { since: watermark } : {}), write: false });
    expect(refsOf(delta.items, "record")).toEqual([`${hrefs[0]}=${edited.uid}`, `${addedHref}=${added.uid}`].sort());
    expect(refsOf(delta.items, "present")).toEqual([2, 3].map((i) => `${hrefs[i]}=${cards[i]?.uid}`).sort());
    expect(await rememberedRefs(job)).toEqual(settled);

    const whole = await readRun(job, radicaleConfig(single, book), { write: false });
    expect(refsOf(whole.items, "record")).toEqual([`${hrefs[0]}=${edited.uid}`, `${addedHref}=${added.uid}`].sort());
    expect(refsOf(whole.items, "present")).toEqual([2, 3].map((i) => `${hrefs[i]}=${cards[i]?.uid}`).sort());
    expect(await rememberedRefs(job)).toEqual(settled);
  });

  it("fetches every card again in a --full read, and then remembers the book as it is", async () => {
    single.clearRequests();
    const { items } = await readRun(job, radicaleConfig(single, book), { lookups: false });
    const now = refsOf(items, "record");
    expect(now).toHaveLength(cards.length);
    expect(refsOf(items, "present")).toEqual([]);
    // The sync-collection listing, then one multiget of every card.
    expect(reports(single)).toEqual(["REPORT 207", "REPORT 207"]);
    expect(await rememberedRefs(job)).toEqual(now);
    expect(now.some((entry) => entry.startsWith(`${hrefs[1]}=`))).toBe(false);
  });
});

describe("a source read without the store's refs", () => {
  const job = "whole";
  const cards = generateCards(3, 51);
  let book: string;
  const hrefs: string[] = [];
  let since: string | undefined;
  let known: string[];
  const every = () => hrefs.map((href, i) => `${href}=${cards[i]?.uid}`).sort();

  beforeAll(async () => {
    book = await single.createAddressBook("whole", "Whole");
    for (const card of cards) hrefs.push((await single.putCard(book, card.fileName, card.text)).href);
    // Read incrementally first, so that the refs know every card and a watermark exists.
    since = watermarkOf((await readRun(job, radicaleConfig(single, book))).items);
    expect(since).toBeDefined();
    known = await rememberedRefs(job);
    expect(known).toHaveLength(cards.length);
  });

  it("says nothing of incremental in check() with incremental: false, and fetches every card even when given refs and a watermark", async () => {
    single.clearRequests();
    const { check, items } = await readRun(job, radicaleConfig(single, book, { incremental: false }), { ...(since !== undefined ? { since } : {}) });
    expect(check.incremental).toBeUndefined();
    expect(refsOf(items, "record")).toEqual(every());
    expect(items.filter((item) => item.kind !== "record")).toEqual([]);
    // Discovery, a PROPFIND listing and a multiget: no sync-collection.
    expect(single.requests().map((request) => request.method)).toEqual(["PROPFIND", "PROPFIND", "REPORT"]);
    expect(await rememberedRefs(job)).toEqual(known);
  });

  it("reads every card whole when given a watermark but no refs (the one-shot read), as it cannot name the unchanged ones", async () => {
    const [edited] = cards;
    if (!edited) throw new Error("no card");
    await single.putCard(book, edited.fileName, edited.text.replace(/^FN:.*$/m, "FN:One Shot"));
    const items: SourceItem[] = [];
    for await (const item of carddavConnector.read(radicaleConfig(single, book), { baseDir: dir, logger: silentLogger, ...(since !== undefined ? { since } : {}) })) items.push(item);
    expect(refsOf(items, "record")).toEqual(every());
    expect(items.filter((item) => item.kind === "present" || item.kind === "problem")).toEqual([]);
  });
});

// ---- A loopback CardDAV server for answers Radicale never gives -------------------------------------------------

/** How the fake server answers a multiget for a card: with it, with a status, or not at all. */
type CardAnswer = { data: string } | { status: 403 | 404 } | "left out";

const BOOK = "/dav/book/";

/**
 * The fake server's address book: cards by file name, each with its ETag and multiget answer. With `sync`, it
 * answers sync-collection (tokens "v<N>", N counting the changes); without, its discovery says it has none.
 */
class FakeBook {
  sync = false;
  private changes = 0;
  private readonly cards = new Map<string, { etag: string; changed: number; answer: CardAnswer }>();
  /** The hrefs each multiget asked for. */
  readonly multigets: string[][] = [];

  /** The sync token of the book as it is now. */
  get token(): string {
    return `v${this.changes}`;
  }

  reset(sync: boolean): void {
    this.sync = sync;
    this.changes = 0;
    this.cards.clear();
    this.multigets.length = 0;
  }

  set(name: string, etag: string, answer: CardAnswer): void {
    this.changes += 1;
    this.cards.set(name, { etag, changed: this.changes, answer });
  }

  /** Answers multigets for a card otherwise from now on, the card unchanged (a server whose glitch passed). */
  answerFor(name: string, answer: CardAnswer): void {
    const card = this.cards.get(name);
    if (card) card.answer = answer;
  }

  answer(method: string, depth: string | undefined, body: string): { status: number; body: string } {
    const syncProps = this.sync ? `<D:sync-token>${this.token}</D:sync-token>` : "";
    const self = ok(BOOK, `<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype><D:displayname>Book</D:displayname>${syncProps}`);
    if (method === "PROPFIND" && depth === "0") return { status: 207, body: multistatus(self) };
    if (method === "PROPFIND") return { status: 207, body: multistatus(self + this.members(-1)) };
    if (method === "REPORT" && this.sync && body.includes("sync-collection")) {
      const since = /<d:sync-token>v(\d+)<\/d:sync-token>/.exec(body)?.[1];
      return { status: 207, body: multistatus(`${this.members(since === undefined ? -1 : Number(since))}<D:sync-token>${this.token}</D:sync-token>`) };
    }
    if (method !== "REPORT" || !body.includes("addressbook-multiget")) return { status: 501, body: "" };
    const asked = [...body.matchAll(/<d:href>([^<]*)<\/d:href>/gi)].map((match) => decodeURIComponent(match[1] ?? ""));
    this.multigets.push(asked);
    return { status: 207, body: multistatus(asked.map((href) => this.fetched(href)).join("")) };
  }

  /** The cards changed after change `after`, with their ETags. */
  private members(after: number): string {
    return [...this.cards]
      .filter(([, card]) => card.changed > after)
      .map(([name, card]) => ok(`${BOOK}${name}`, `<D:resourcetype/>${etagProp(card.etag)}`))
      .join("");
  }

  private fetched(href: string): string {
    const card = this.cards.get(href.slice(BOOK.length));
    const answer = card?.answer ?? { status: 404 as const };
    if (answer === "left out") return "";
    if ("status" in answer) return `<D:response><D:href>${href}</D:href><D:status>HTTP/1.1 ${answer.status} ${answer.status === 404 ? "Not Found" : "Forbidden"}</D:status></D:response>`;
    return ok(href, `${etagProp(card?.etag ?? "")}<C:address-data>${escapeXml(answer.data)}</C:address-data>`);
  }
}

/** A card's getetag property; none for "" (a server that gives no ETags). */
function etagProp(etag: string): string {
  return etag === "" ? "" : `<D:getetag>"${etag}"</D:getetag>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function multistatus(inner: string): string {
  return `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">${inner}</D:multistatus>`;
}

function ok(href: string, props: string): string {
  return `<D:response><D:href>${href}</D:href><D:propstat><D:prop>${props}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
}

describe("cards a server refuses, leaves out or stores broken", () => {
  const fake = new FakeBook();
  let server: FakeDavServer;
  let base = "";

  beforeAll(async () => {
    server = await startFakeDav((request) => fake.answer(request.method, request.depth, request.body));
    base = server.base;
  });
  afterAll(async () => {
    await server.close();
  });

  const fakeConfig = () => configOf({ url: `${base}${BOOK}`, username: "bob", password: "pw-of-bob-source-3", multigetSize: 2 });

  it("reports cards answered 404 and 403, and a card left out of the answer, as problems, and reads on", async () => {
    const [a, e] = generateCards(2, 61);
    if (!a || !e) throw new Error("too few cards");
    fake.reset(false);
    fake.set("a.vcf", "a1", { data: a.text });
    fake.set("b.vcf", "b1", { status: 404 });
    fake.set("c.vcf", "c1", { status: 403 });
    fake.set("d.vcf", "d1", "left out");
    fake.set("e.vcf", "e1", { data: e.text });
    const job = "refusals";
    const { items } = await readRun(job, fakeConfig());
    expect(items.map((item) => `${item.kind} ${item.kind === "watermark" ? "" : item.ref}`)).toEqual([
      "record /dav/book/a.vcf",
      "problem /dav/book/b.vcf",
      "problem /dav/book/c.vcf",
      "problem /dav/book/d.vcf",
      "record /dav/book/e.vcf",
    ]);
    const problems = items.filter((item) => item.kind === "problem");
    expect(problems.map((item) => [item.code, item.message])).toEqual([
      ["SOURCE_CARDDAV", "/dav/book/b.vcf: the server answered HTTP 404 for this card (Not Found)"],
      ["SOURCE_CARDDAV", "/dav/book/c.vcf: the server answered HTTP 403 for this card (Forbidden)"],
      ["SOURCE_CARDDAV", "/dav/book/d.vcf: listed by the server, but left out of its answer to the request for the card"],
    ]);
    expect(refsOf(items, "record")).toEqual([`/dav/book/a.vcf=${a.uid}`, `/dav/book/e.vcf=${e.uid}`]);
    expect(await rememberedRefs(job)).toEqual([`/dav/book/a.vcf=${a.uid}`, `/dav/book/e.vcf=${e.uid}`]);

    // Nothing remembered of the three: the next read asks for them again, and only for them.
    fake.multigets.length = 0;
    const again = await readRun(job, fakeConfig());
    expect(refsOf(again.items, "present")).toEqual([`/dav/book/a.vcf=${a.uid}`, `/dav/book/e.vcf=${e.uid}`]);
    expect(fake.multigets).toEqual([["/dav/book/b.vcf"], ["/dav/book/c.vcf", "/dav/book/d.vcf"]]);
  });

  it("cancels the request in flight when the read's signal fires (a daemon's shutdown), not after the timeout", async () => {
    const silent = await startFakeDav((request) => (request.method === "PROPFIND" && request.depth === "0" ? fake.answer(request.method, request.depth, request.body) : null));
    fake.reset(false);
    const handle = await carddavConnector.open(configOf({ url: `${silent.base}${BOOK}`, timeoutMs: 30_000 }), { baseDir: dir, logger: silentLogger });
    try {
      await handle.check();
      const controller = new AbortController();
      const reading = (async () => {
        for await (const item of handle.read({ signal: controller.signal })) void item;
      })();
      setTimeout(() => controller.abort(new Error("shutting down")), 200);
      const err: unknown = await reading.then(() => undefined, (caught: unknown) => caught);
      expect(err).toBeInstanceOf(DavError);
      expect((err as DavError).kind).toBe("cancelled");
    } finally {
      await handle.close();
      await silent.close();
    }
  });

  it("fetches every time the cards of a server that gives no ETags: none can be told unchanged", async () => {
    const [a, b] = generateCards(2, 65);
    if (!a || !b) throw new Error("too few cards");
    fake.reset(false);
    fake.set("a.vcf", "", { data: a.text });
    fake.set("b.vcf", "b1", { data: b.text });
    const job = "no-etags";
    await readRun(job, fakeConfig());
    fake.multigets.length = 0;
    const again = await readRun(job, fakeConfig());
    expect(refsOf(again.items, "record")).toEqual([`/dav/book/a.vcf=${a.uid}`]);
    expect(refsOf(again.items, "present")).toEqual([`/dav/book/b.vcf=${b.uid}`]);
    expect(fake.multigets).toEqual([["/dav/book/a.vcf"]]);
  });

  it("asks again, on the next sync-collection read, for the cards a multiget answer refused or left out", async () => {
    const [a, b, c] = generateCards(3, 63);
    if (!a || !b || !c) throw new Error("too few cards");
    fake.reset(true);
    fake.set("a.vcf", "a1", { data: a.text });
    fake.set("b.vcf", "b1", "left out");
    fake.set("c.vcf", "c1", { status: 403 });
    const job = "sync-refusals";
    const first = await readRun(job, fakeConfig());
    expect(refsOf(first.items, "problem")).toEqual(["/dav/book/b.vcf=", "/dav/book/c.vcf="]);
    // No delta from the new token would name them again: no token, and the next read lists the book whole.
    expect(watermarkOf(first.items)).toBeUndefined();

    // The server answers for them now, their ETags unchanged.
    fake.answerFor("b.vcf", { data: b.text });
    fake.answerFor("c.vcf", { data: c.text });
    fake.multigets.length = 0;
    const current = fake.token;
    const second = await readRun(job, fakeConfig());
    expect(refsOf(second.items, "record")).toEqual([`/dav/book/b.vcf=${b.uid}`, `/dav/book/c.vcf=${c.uid}`]);
    expect(refsOf(second.items, "present")).toEqual([`/dav/book/a.vcf=${a.uid}`]);
    expect(fake.multigets.flat()).toEqual(["/dav/book/b.vcf", "/dav/book/c.vcf"]);
    const since = watermarkOf(second.items);
    expect(since).toBe(JSON.stringify({ [`${base}${BOOK}`]: current }));

    // A delta in which a new card is left out keeps the token it started from: the next delta names the card again.
    const [d] = generateCards(1, 64);
    if (!d) throw new Error("no card");
    fake.set("d.vcf", "d1", "left out");
    fake.set("a.vcf", "a2", { data: a.text.replace(/^FN:.*$/m, "FN:Edited In Delta") });
    const third = await readRun(job, fakeConfig(), { ...(since !== undefined ? { since } : {}) });
    expect(refsOf(third.items, "record")).toEqual([`/dav/book/a.vcf=${a.uid}`]);
    expect(refsOf(third.items, "problem")).toEqual(["/dav/book/d.vcf="]);
    expect(refsOf(third.items, "present")).toEqual([`/dav/book/b.vcf=${b.uid}`, `/dav/book/c.vcf=${c.uid}`]);
    expect(watermarkOf(third.items)).toBe(since);

    fake.answerFor("d.vcf", { data: d.text });
    fake.multigets.length = 0;
    const latest = fake.token;
    const fourth = await readRun(job, fakeConfig(), { ...(since !== undefined ? { since } : {}) });
    expect(refsOf(fourth.items, "record")).toEqual([`/dav/book/d.vcf=${d.uid}`]);
    expect(refsOf(fourth.items, "present")).toEqual([`/dav/book/a.vcf=${a.uid}`, `/dav/book/b.vcf=${b.uid}`, `/dav/book/c.vcf=${c.uid}`]);
    expect(fake.multigets.flat()).toEqual(["/dav/book/d.vcf"]);
    expect(watermarkOf(fourth.items)).toBe(JSON.stringify({ [`${base}${BOOK}`]: latest }));
  });

  it("reports a malformed card by href and line, with its UID, and yields it present while it is unchanged", async () => {
    const broken = malformedCard("broken-0042");
    const nameless = malformedCard("x").text.replace(/^UID:.*\r\n/m, "");
    const [good] = generateCards(1, 62);
    if (!good) throw new Error("no card");
    fake.reset(false);
    fake.set("broken.vcf", "b1", { data: broken.text });
    fake.set("nameless.vcf", "n1", { data: nameless });
    fake.set("good.vcf", "g1", { data: good.text });
    const job = "broken";
    const { items } = await readRun(job, fakeConfig());
    const problems = items.filter((item) => item.kind === "problem");
    expect(problems.map((item) => item.ref)).toEqual(["/dav/book/broken.vcf", "/dav/book/nameless.vcf"]);
    // TEL;TYPE=CELL without its colon: line 6 of the card, line 5 once the UID line is gone.
    expect(problems[0]?.message).toMatch(/^\/dav\/book\/broken\.vcf line 6: \S/);
    expect(problems[0]?.fields).toEqual({ uid: "broken-0042" });
    expect(problems[1]?.message).toMatch(/^\/dav\/book\/nameless\.vcf line 5: \S/);
    expect(problems[1]?.fields).toBeUndefined();
    expect(refsOf(items, "record")).toEqual([`/dav/book/good.vcf=${good.uid}`]);

    fake.multigets.length = 0;
    const unchanged = await readRun(job, fakeConfig());
    expect(refsOf(unchanged.items, "present")).toContain("/dav/book/broken.vcf=broken-0042");
    expect(refsOf(unchanged.items, "present")).toContain(`/dav/book/good.vcf=${good.uid}`);
    expect(fake.multigets.flat()).not.toContain("/dav/book/broken.vcf");

    // Changed, it is read and reported again.
    fake.set("broken.vcf", "b2", { data: broken.text.replace("FN:Mario Rotto", "FN:Mario Rotto II") });
    const changed = await readRun(job, fakeConfig());
    expect(changed.items.filter((item) => item.kind === "problem").map((item) => item.ref)).toContain("/dav/book/broken.vcf");
  });
});
