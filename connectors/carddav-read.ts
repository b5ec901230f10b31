// Reading address books: list each (sync-collection since the last token, or in full with ETags), fetch only the cards
// whose ETag is not the settled one, parse them, and account for every card the listing left unnamed.
import type { Logger } from "../src/logger.js";
import { describeCarddavSource, type CarddavConfig } from "./carddav-config.js";
import { DavError, type AddressBook, type DavClient, type Member } from "./carddav-dav.js";
import { WATERMARK_MAX_LENGTH, type RefVersion, type SourceItem, type SourceRefs } from "./types.js";

export interface ReadPlan {
  client: DavClient;
  books: readonly AddressBook[];
  config: CarddavConfig;
  logger: Logger;
  /** The last complete run's sync tokens, one per address book URL (as JSON). */
  since?: string;
  refs?: SourceRefs;
}

/** What a listing of one address book gave. */
interface Listing {
  members: Member[];
  removed: string[];
  /** The server's new sync token, when it has sync-collection. */
  token?: string;
  /** True when the listing holds only what changed since a token: the cards it does not name are unchanged. */
  delta: boolean;
  warning?: string;
}

/** What a read counted, for its log line. */
interface Tally {
  fetched: number;
  unchanged: number;
  removed: number;
  problems: number;
}

/** Every card of the address books as records (read whole), present keys (unchanged) or problems; then the watermark. */
export async function* readAddressBooks(plan: ReadPlan): AsyncGenerator<SourceItem> {
  const tokens = parseTokens(plan.since);
  const next: Record<string, string> = {};
  const deltas = new Map<string, Set<string>>();
  const whole: string[] = [];
  const tally: Tally = { fetched: 0, unchanged: 0, removed: 0, problems: 0 };
  for (const book of plan.books) {
    const listing = await listBook(plan, book, tokens[book.url]);
    if (listing.warning !== undefined) yield { kind: "warning", ref: book.url, message: listing.warning };
    const unfetched = yield* readMembers(plan, book, listing.members, tally);
    const token = nextToken(listing, unfetched, tokens[book.url]);
    if (token !== undefined) next[book.url] = token;
    if (listing.delta) {
      deltas.set(pathOf(book.url), new Set([...listing.members.map((member) => member.href), ...listing.removed]));
      tally.removed += listing.removed.length;
      await plan.refs?.forget(listing.removed);
    } else whole.push(pathOf(book.url));
  }
  if (plan.refs) {
    // The books listed whole forget the cards they no longer hold; the others' unchanged cards are counted.
    if (deltas.size === 0) await plan.refs.pruneUnlisted();
    else {
      await plan.refs.pruneUnlisted(whole);
      yield* unchangedCards(plan.refs, deltas, plan.books, tally);
    }
  }
  const watermark = JSON.stringify(next);
  if (Object.keys(next).length > 0 && watermark.length <= WATERMARK_MAX_LENGTH) yield { kind: "watermark", value: watermark };
  else if (watermark.length > WATERMARK_MAX_LENGTH) {
    plan.logger.warn({ length: watermark.length, max: WATERMARK_MAX_LENGTH }, "the address books' sync tokens are too long to keep: the next run lists them in full (with ETags)");
  }
  plan.logger.info({ ...tally, delta: deltas.size, requests: plan.client.requestCount }, "carddav source read");
}

/** The listing of one book: the changes since its token, or everything (first run, no sync, a token the server refused). */
async function listBook(plan: ReadPlan, book: AddressBook, token: string | undefined): Promise<Listing> {
  const { client, config } = plan;
  if (!config.incremental || !book.supportsSync) return { members: await client.listMembers(book.url), removed: [], delta: false };
  try {
    const answer = await client.syncCollection(book.url, token ?? "");
    return { members: answer.members, removed: token === undefined ? [] : answer.removed, token: answer.token, delta: token !== undefined };
  } catch (err) {
    if (!(err instanceof DavError)) throw err;
    if (err.kind === "invalid-token") {
      const answer = await client.syncCollection(book.url, "");
      const warning = `${describeCarddavSource(config)}: the server no longer knows the sync token of ${book.url} (expired, or the address book was restored): read it in full`;
      plan.logger.warn({ addressBook: book.url }, "sync token refused: full listing");
      return { members: answer.members, removed: [], token: answer.token, delta: false, warning };
    }
    if (err.kind === "unsupported") {
      plan.logger.info({ addressBook: book.url }, "no sync-collection: full listing with ETags");
      return { members: await client.listMembers(book.url), removed: [], delta: false };
    }
    throw err;
  }
}

/**
 * Where the next read of a book starts: the listing's new token, unless a card it listed went unfetched (refused,
 * left out of the answer) or could not be told (broken, without a UID). No delta from the new token would name that
 * card again: the next read starts from the old token of a delta instead, or lists the book whole.
 */
function nextToken(listing: Listing, unfetched: number, old: string | undefined): string | undefined {
  if (listing.token === undefined || unfetched === 0) return listing.token;
  return listing.delta ? old : undefined;
}

/**
 * The members a chunk at a time: settled ETags are present keys, the others fetched, parsed and remembered.
 * Returns how many the server did not send (a status for the card, or left out of the answer).
 */
async function* readMembers(plan: ReadPlan, book: AddressBook, members: readonly Member[], tally: Tally): AsyncGenerator<SourceItem, number> {
  let unfetched = 0;
  const { parseVCard } = await import("./vcard.js");
  const size = plan.config.multigetSize;
  for (let start = 0; start < members.length; start += size) {
    const chunk = members.slice(start, start + size);
    const known = plan.refs ? await plan.refs.lookup(chunk.map((member) => member.href)) : new Map<string, { version: string; key: string }>();
    const stale: string[] = [];
    for (const member of chunk) {
      const settled = known.get(member.href);
      // A server that gives no ETag cannot say a card is unchanged: such cards are fetched every time.
      if (settled !== undefined && member.etag !== "" && settled.version === member.etag) {
        tally.unchanged++;
        yield { kind: "present", ref: member.href, fields: { uid: settled.key } };
      } else stale.push(member.href);
    }
    if (stale.length === 0) continue;
    const remember: RefVersion[] = [];
    const answered = new Set<string>();
    for (const card of await plan.client.multiget(book.url, stale)) {
      answered.add(card.href);
      if ("status" in card) {
        tally.problems++;
        unfetched++;
        yield { kind: "problem", ref: card.href, code: "SOURCE_CARDDAV", message: `${card.href}: the server answered HTTP ${card.status} for this card${card.message ? ` (${card.message})` : ""}` };
        continue;
      }
      tally.fetched++;
      const parsed = parseVCard(card.data);
      if (parsed.ok) {
        const uid = parsed.fields.uid !== "" ? parsed.fields.uid : card.href;
        remember.push({ ref: card.href, version: card.etag, key: uid });
        yield { kind: "record", ref: card.href, fields: { ...parsed.fields, uid, href: card.href, etag: card.etag } };
      } else {
        // A broken card keeps its contact when its UID can still be read, and is reported again when it changes.
        // Without a UID it could be any contact: not remembered, and the book's token kept, it is read (and holds
        // the deletions back) on every run until it is fixed.
        const uid = uidOf(card.data);
        tally.problems++;
        if (uid !== undefined) remember.push({ ref: card.href, version: card.etag, key: uid });
        else unfetched++;
        yield {
          kind: "problem",
          ref: card.href,
          code: "SOURCE_CARDDAV",
          message: `${card.href} line ${parsed.line}: ${parsed.message}`,
          ...(uid !== undefined ? { fields: { uid } } : {}),
        };
      }
    }
    for (const href of stale) {
      if (answered.has(href)) continue;
      tally.problems++;
      unfetched++;
      yield { kind: "problem", ref: href, code: "SOURCE_CARDDAV", message: `${href}: listed by the server, but left out of its answer to the request for the card` };
    }
    await plan.refs?.remember(remember);
  }
  return unfetched;
}

/**
 * A delta read's cards that did not change: every remembered card of a book read as a delta that the delta did
 * not name. Remembered cards of no configured book (one dropped from the server) are forgotten.
 */
async function* unchangedCards(refs: SourceRefs, deltas: ReadonlyMap<string, ReadonlySet<string>>, books: readonly AddressBook[], tally: Tally): AsyncGenerator<SourceItem> {
  const prefixes = books.map((book) => pathOf(book.url));
  const orphans: string[] = [];
  for await (const { ref, key } of refs.all()) {
    const prefix = prefixes.find((candidate) => ref.startsWith(candidate));
    if (prefix === undefined) {
      orphans.push(ref);
      continue;
    }
    const named = deltas.get(prefix);
    if (named === undefined || named.has(ref)) continue;
    tally.unchanged++;
    yield { kind: "present", ref, fields: { uid: key } };
  }
  await refs.forget(orphans);
}

/** The tokens of the last complete run by address book URL; none when there are none or they do not parse. */
function parseTokens(since: string | undefined): Record<string, string> {
  if (since === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(since);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  } catch {
    return {};
  }
}

/** A book URL's path with one trailing slash, as the server writes its members' hrefs. */
function pathOf(url: string): string {
  return `${decodeURIComponent(new URL(url).pathname).replace(/\/+$/, "")}/`;
}

/** The UID of a card the parser refused, when a plain UID line can still be found. */
function uidOf(text: string): string | undefined {
  const match = /^UID(?:;[^:\r\n]*)?:([^\r\n]+)$/im.exec(text);
  const uid = match?.[1]?.trim();
  return uid === undefined || uid === "" ? undefined : uid;
}
