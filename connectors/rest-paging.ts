// Walking a REST listing page by page: page numbers, offsets, cursors, next URLs in the body or the Link header.
// A listing that hands out the same cursor, URL or page twice stops with an error instead of looping forever.
import { createHash } from "node:crypto";
import { SyncError } from "../src/errors.js";
import { compileFieldGetter } from "../src/mapping/field-path.js";
import { jsonForHash } from "../src/mapping/nesting.js";
import { redactUrl } from "../src/redact.js";
import { withSlash, type RestPaging, type RestRequest } from "./rest-config.js";
import type { RestAnswer, RestCall } from "./rest-http.js";

export interface Page {
  /** 1 for the first page of the listing. */
  number: number;
  url: URL;
  records: unknown[];
  /** The whole answer: check() keeps the first one, so that the read does not ask for it again. */
  answer: RestAnswer;
}

export interface Lister {
  baseUrl: string;
  headers: Record<string, string>;
  maxPages: number;
  signal?: AbortSignal | undefined;
  send(call: RestCall, what: string): Promise<RestAnswer>;
}

/** Where the walk goes next: the next request, or null at the end. */
type Next = { url: URL; body: Record<string, unknown> | undefined } | null;

/**
 * The pages of one listing, in order; `first` is the first page's answer when it was already fetched (by check()).
 * Throws SOURCE_REST on an answer of the wrong shape or a paging loop.
 */
export async function* pagesOf(listing: RestRequest, lister: Lister, what: string, first?: RestAnswer): AsyncGenerator<Page> {
  const recordsAt = listing.records === "" ? (body: unknown) => body : getter(listing.records);
  const loop = new LoopGuard(listing.paging);
  let next: Next = firstRequest(listing, lister.baseUrl);
  for (let number = 1; next !== null; number++) {
    if (number > lister.maxPages) {
      throw new SyncError("SOURCE_REST", `${what}: more than ${lister.maxPages} pages; the paging never ended`, { field: "maxPages", hint: "Check the paging settings, or raise maxPages." });
    }
    const { url, body } = next;
    const answer =
      number === 1 && first !== undefined
        ? first
        : await lister.send({ method: listing.method, url, headers: lister.headers, ...(body === undefined ? {} : { json: body }), signal: lister.signal }, `${what}, page ${number}`);
    const records = recordsAt(answer.body);
    if (!Array.isArray(records)) throw wrongShape(answer.body, listing.records, url, number, what);
    loop.check(records, url, number, what);
    yield { number, url, records, answer };
    next = nextRequest(listing, { url, body }, answer, records, number, lister.baseUrl);
    if (next !== null) loop.remember(next, listing.paging, url, number, what);
  }
}

/** The listing's first request: base URL + path, its query, the paging's first page, its body. */
export function firstRequest(listing: RestRequest, baseUrl: string): { url: URL; body: Record<string, unknown> | undefined } {
  const url = new URL(listing.path, withSlash(baseUrl));
  for (const [name, value] of Object.entries(listing.query)) url.searchParams.set(name, String(value));
  const paging = listing.paging;
  if (paging.type === "page") {
    url.searchParams.set(paging.param, String(paging.start));
    url.searchParams.set(paging.sizeParam, String(paging.size));
  } else if (paging.type === "offset") {
    url.searchParams.set(paging.param, String(paging.start));
    url.searchParams.set(paging.limitParam, String(paging.size));
  }
  return { url, body: listing.body };
}

function nextRequest(listing: RestRequest, current: { url: URL; body: Record<string, unknown> | undefined }, answer: RestAnswer, records: unknown[], number: number, baseUrl: string): Next {
  const paging = listing.paging;
  const body = answer.body;
  switch (paging.type) {
    case "none":
      return null;
    case "page": {
      if (records.length === 0 || records.length < paging.size) return null;
      const total = numberAt(body, paging.total);
      if (total !== undefined && number * paging.size >= total) return null;
      const totalPages = numberAt(body, paging.totalPages);
      if (totalPages !== undefined && paging.start + number - 1 >= totalPages) return null;
      return { url: withParam(current.url, paging.param, String(paging.start + number)), body: current.body };
    }
    case "offset": {
      if (records.length === 0) return null;
      const more = paging.more === undefined ? undefined : getter(paging.more)(body);
      if (more === false || more === "false") return null;
      if (more === undefined && records.length < paging.size) return null;
      const offset = Number(current.url.searchParams.get(paging.param));
      const told = numberAt(body, paging.next);
      if (paging.next !== undefined && told === undefined) return null;
      const nextOffset = told ?? offset + records.length;
      const total = numberAt(body, paging.total);
      if (total !== undefined && nextOffset >= total) return null;
      return { url: withParam(current.url, paging.param, String(nextOffset)), body: current.body };
    }
    case "cursor": {
      const cursor = getter(paging.from)(body);
      if (cursor === undefined || cursor === null || cursor === "") return null;
      const inBody = (paging.in ?? (listing.method === "POST" ? "body" : "query")) === "body";
      if (inBody) return { url: current.url, body: { ...current.body, [paging.param]: cursor } };
      return { url: withParam(current.url, paging.param, String(cursor)), body: current.body };
    }
    case "nextUrl": {
      const link = getter(paging.from)(body);
      if (typeof link !== "string" || link === "") return null;
      return { url: new URL(link, withSlash(baseUrl)), body: current.body };
    }
    case "link": {
      const link = nextLink(answer.headers["link"]);
      return link === undefined ? null : { url: new URL(link, current.url), body: current.body };
    }
  }
}

/** The `rel="next"` target of a Link header (RFC 8288), or undefined. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(", ") : header;
  if (!text) return undefined;
  for (const match of text.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? "";
    if (/;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(params)) return match[1];
  }
  return undefined;
}

/** Remembers where the walk has been: a cursor, URL or page seen twice is a loop. */
class LoopGuard {
  private readonly seen = new Set<string>();
  private lastPage: string | null = null;

  constructor(private readonly paging: RestPaging) {}

  remember(next: NonNullable<Next>, paging: RestPaging, url: URL, number: number, what: string): void {
    if (paging.type !== "cursor" && paging.type !== "nextUrl" && paging.type !== "link") return;
    const key = paging.type === "cursor" ? jsonForHash(next.body?.[paging.param] ?? next.url.searchParams.get(paging.param)) : next.url.toString();
    if (this.seen.has(key) || (paging.type !== "cursor" && key === url.toString())) {
      const kind = paging.type === "cursor" ? `cursor ${redactUrl(key)}` : `next URL ${redactUrl(next.url)}`;
      throw new SyncError("SOURCE_REST", `${what}: page ${number} handed out the ${kind} a second time: the paging would never end`, {
        field: "paging",
        hint: "Check the paging settings against the API's documentation (the parameter that takes the cursor, the field it comes from).",
      });
    }
    this.seen.add(key);
  }

  /** Page and offset paging: a page with the same records as the one before means the page parameter is ignored. */
  check(records: unknown[], url: URL, number: number, what: string): void {
    if ((this.paging.type !== "page" && this.paging.type !== "offset") || records.length === 0) return;
    // The count and the first and last records tell a repeated page; hashing the whole page would cost a copy of it.
    // A record nested too deep for JSON.stringify is the mapping's to refuse, not a reason to stop the listing.
    const digest = createHash("sha1").update(`${records.length}\u0000${jsonForHash(records[0])}\u0000${jsonForHash(records.at(-1))}`).digest("base64");
    if (digest === this.lastPage) {
      throw new SyncError("SOURCE_REST", `${what}: page ${number} (${redactUrl(url)}) holds the same records as page ${number - 1}: the API ignores "${this.paging.param}"`, {
        field: "paging.param",
        hint: "Name the parameter the API pages by (page, _page, offset, start...).",
      });
    }
    this.lastPage = digest;
  }
}

function withParam(url: URL, name: string, value: string): URL {
  const next = new URL(url);
  next.searchParams.set(name, value);
  return next;
}

function numberAt(body: unknown, at: string | undefined): number | undefined {
  if (at === undefined) return undefined;
  const value = getter(at)(body);
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

const getters = new Map<string, (body: unknown) => unknown>();

/** A compiled path into a JSON answer (the mapping's path syntax). */
export function getter(at: string): (body: unknown) => unknown {
  let get = getters.get(at);
  if (!get) {
    const compiled = compileFieldGetter(at);
    get = (body) => (body !== null && typeof body === "object" ? compiled(body as Record<string, unknown>) : undefined);
    getters.set(at, get);
  }
  return get;
}

function wrongShape(body: unknown, at: string, url: URL, number: number, what: string): SyncError {
  const keys = body !== null && typeof body === "object" && !Array.isArray(body) ? Object.keys(body).slice(0, 12) : [];
  const found = keys.length > 0 ? `it has ${keys.map((key) => `"${key}"`).join(", ")}` : `it is ${body === null ? "empty" : Array.isArray(body) ? "an array" : typeof body}`;
  return new SyncError("SOURCE_REST", `${what}, page ${number} (${redactUrl(url)}): no array of records at "${at || "(the answer itself)"}"; ${found}`, {
    field: "records",
    hint: "Set records to the path of the array in the answer (results, data, value...).",
  });
}
