// The CardDAV protocol client the CardDAV source reads through: address book discovery, RFC 6578 sync-collection,
// PROPFIND listings of ETags and addressbook-multiget, each answer read whole or not at all.
import { discoverAddressBooks, type AddressBook } from "./carddav-discovery.js";
import {
  DavError,
  DavHttp,
  davPath,
  describe,
  encodePath,
  excerpt,
  failMalformed,
  multistatusOf,
  splitCredentials,
  statusFailure,
  type DavAnswer,
  type DavOptions,
  type DavRequest,
} from "./carddav-http.js";
import { CARDDAV, DAV, errorCondition, foundProp, multigetBody, propStatus, propfindBody, syncCollectionBody, type DavResponse } from "./carddav-xml.js";

export { DavError, type DavErrorKind, type DavOptions } from "./carddav-http.js";
export type { AddressBook } from "./carddav-discovery.js";

/** A vCard in an address book: its href as a decoded absolute path ("/alice/book/Zoë.vcf"), and its ETag ("" when the server gave none). */
export interface Member {
  href: string;
  etag: string;
}

/**
 * A card read by multiget (its vCard with CRLF line ends, whatever the XML carried), or why it could not be: the
 * status the server gave for it (404 gone since the listing, 403...) and the reason ("Not Found").
 */
export type Fetched = { href: string; etag: string; data: string } | { href: string; status: number; message: string };

/** Pages of a truncated sync-collection answer (RFC 6578 §3.6, a 507 for the collection) read before giving up. */
const MAX_SYNC_PAGES = 1000;

/**
 * A CardDAV client for one server and one set of credentials. Every failure is a DavError (SOURCE_CARDDAV) whose
 * message names the request and never the password or token; an answer cut short or not well-formed throws, so a
 * caller never takes a partial listing for a whole one.
 */
export class DavClient {
  private readonly http: DavHttp;
  private readonly url: URL;

  constructor(options: DavOptions) {
    const { url, options: withAuth } = splitCredentials(options);
    this.url = url;
    this.http = new DavHttp(withAuth);
  }

  /** Cancels this client's requests from now on with this signal (a read's), instead of the one it was made with. */
  cancelWith(signal: AbortSignal | undefined): void {
    if (signal !== undefined) this.http.signal = signal;
  }

  /** HTTP requests sent so far (redirects each count), for logs. */
  get requestCount(): number {
    return this.http.requestCount;
  }

  /**
   * The address books at the URL: itself if it is one; else discovery (/.well-known/carddav for a bare server
   * URL, then current-user-principal, addressbook-home-set, and the address books listed there).
   */
  addressBooks(): Promise<AddressBook[]> {
    return discoverAddressBooks(this.http, this.url);
  }

  /**
   * RFC 6578 sync-collection (sync-level 1, getetag): with token "" every member, else the members changed or added
   * since the token and the hrefs removed. A truncated answer (507) is followed to its end. Throws a DavError of
   * kind "invalid-token" when the server no longer knows the token, "unsupported" when it has no such report.
   */
  async syncCollection(bookUrl: string, token: string): Promise<{ members: Member[]; removed: string[]; token: string }> {
    const url = this.bookUrl(bookUrl);
    const changes = new Map<string, Member | null>();
    let current = token;
    for (let page = 0; page < MAX_SYNC_PAGES; page += 1) {
      const call: DavRequest = { method: "REPORT", url, depth: "0", body: syncCollectionBody(current) };
      const answer = await this.http.send(call);
      if (answer.status !== 207) throw syncFailure(answer, call, this.http.who, current);
      const { responses, syncToken } = multistatusOf(answer, call);
      if (syncToken === undefined || syncToken === "") failMalformed(answer, call, "it has no <sync-token>");
      let truncated = false;
      for (const response of responses) {
        const href = davPath(response.href, url);
        if (sameCollection(href, url)) truncated ||= response.status === 507;
        else if (response.status === 404) changes.set(href, null);
        else if (response.status !== undefined && (response.status < 200 || response.status > 299)) {
          failMalformed(answer, call, `it says HTTP ${response.status} for ${href}, neither a change nor a removal`);
        } else if (!isCollection(response)) changes.set(href, { href, etag: etagOf(response) });
      }
      current = syncToken;
      if (!truncated) break;
    }
    const members = [...changes.values()].filter((member): member is Member => member !== null);
    const removed = [...changes].filter(([, member]) => member === null).map(([href]) => href);
    return { members, removed, token: current };
  }

  /** PROPFIND Depth 1 getetag: every vCard member of the address book (not itself, not sub-collections). */
  async listMembers(bookUrl: string): Promise<Member[]> {
    const url = this.bookUrl(bookUrl);
    const { responses } = await this.http.multistatus({ method: "PROPFIND", url, depth: "1", body: propfindBody(["d:resourcetype", "d:getetag"]) });
    const members: Member[] = [];
    for (const response of responses) {
      const href = davPath(response.href, url);
      if (sameCollection(href, url) || isCollection(response)) continue;
      if (response.status !== undefined && response.status !== 200) continue;
      members.push({ href, etag: etagOf(response) });
    }
    return members;
  }

  /**
   * addressbook-multiget of these hrefs (decoded paths, as listMembers and syncCollection give them), in their order:
   * each with its ETag and vCard, or with the status the server gave for it (404, 403). An href the answer leaves
   * out is left out here too.
   */
  async multiget(bookUrl: string, hrefs: readonly string[]): Promise<Fetched[]> {
    if (hrefs.length === 0) return [];
    const url = this.bookUrl(bookUrl);
    const call: DavRequest = { method: "REPORT", url, depth: "1", body: multigetBody(hrefs.map(encodePath)) };
    const { responses } = await this.http.multistatus(call);
    const byHref = new Map(responses.map((response) => [davPath(response.href, url), response]));
    return hrefs.flatMap((href) => {
      const response = byHref.get(href);
      return response === undefined ? [] : [fetched(href, response)];
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private bookUrl(bookUrl: string): URL {
    let url: URL;
    try {
      url = new URL(bookUrl, this.url);
    } catch {
      throw new DavError("malformed", `invalid CardDAV address book URL "${bookUrl}"`, { field: "url" });
    }
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    return url;
  }
}

function fetched(href: string, response: DavResponse): Fetched {
  if (response.status !== undefined && response.status !== 200) {
    return { href, status: response.status, message: response.statusText?.replace(/^\d{3}\s*/, "") || `HTTP ${response.status}` };
  }
  const data = foundProp(response, CARDDAV, "address-data");
  if (data === undefined) {
    const status = propStatus(response, CARDDAV, "address-data") ?? 200;
    return { href, status, message: "no address-data in the answer" };
  }
  // XML turns the CRLF of a vCard into LF unless the server wrote &#13; (Radicale does not): CRLF again, as RFC 6350 has it.
  return { href, etag: etagOf(response), data: data.text.replace(/^\s+/, "").replace(/\r\n|\r|\n/g, "\r\n") };
}

/** How a sync-collection REPORT failed: a forgotten token, no such report, or the usual status failures. */
function syncFailure(answer: DavAnswer, call: DavRequest, who: string | undefined, token: string): DavError {
  const condition = errorCondition(answer.text);
  const { status } = answer;
  if (condition === "valid-sync-token" && (status === 403 || status === 409 || status === 400)) {
    return new DavError("invalid-token", `CardDAV ${describe(call)}: the server no longer knows the sync token "${token}" (HTTP ${status}, DAV:valid-sync-token)`, {
      status,
      hint: "The address book is read in full once, and incrementally again from the new token.",
    });
  }
  if (status === 501 || status === 405 || status === 400 || (status === 403 && condition !== undefined) || (status === 403 && answer.text.trim() === "")) {
    const why = condition === undefined ? "" : `, DAV:${condition}`;
    return new DavError("unsupported", `CardDAV ${describe(call)}: the server does not answer sync-collection here (HTTP ${status}${why}): ${excerpt(answer.text) || "no body"}`, {
      status,
      hint: "The address book is listed in full (PROPFIND) on every run instead.",
    });
  }
  return statusFailure(answer, call, who);
}

function etagOf(response: DavResponse): string {
  return foundProp(response, DAV, "getetag")?.text.trim() ?? "";
}

function isCollection(response: DavResponse): boolean {
  return foundProp(response, DAV, "resourcetype")?.children.some((kind) => kind.ns === DAV && kind.name === "collection") === true;
}

function sameCollection(href: string, collection: URL): boolean {
  const strip = (path: string) => path.replace(/\/+$/, "");
  return strip(href) === strip(davPath(collection.pathname, collection));
}
