// Finds a user's CardDAV address books from a server URL (RFC 6764 and RFC 6352): .well-known/carddav, the
// current-user-principal, its addressbook-home-set, and the address books listed there.
import { DavError, describe, multistatusOf, statusFailure, type DavAnswer, type DavHttp, type DavRequest } from "./carddav-http.js";
import { CARDDAV, DAV, foundProp, hrefsIn, propfindBody, type DavResponse, type PropName, type XmlElement } from "./carddav-xml.js";

/** An address book found on the server. */
export interface AddressBook {
  /** Its absolute URL, ending in "/". */
  url: string;
  /** Its DAV:displayname, else the last segment of its path. */
  displayName: string;
  /** Its current DAV:sync-token, when the server gave one. */
  syncToken?: string;
  /** Whether it answers RFC 6578 sync-collection (listed in supported-report-set, or a sync-token without that list). */
  supportsSync: boolean;
}

const BOOK_PROPS: readonly PropName[] = ["d:resourcetype", "d:displayname", "d:sync-token", "d:supported-report-set"];
const START_PROPS: readonly PropName[] = [...BOOK_PROPS, "d:current-user-principal", "card:addressbook-home-set"];
const MAX_REDIRECTS = 5;

/** The address books at `start`: itself when it is one, else those of the user's addressbook-home-set. */
export async function discoverAddressBooks(http: DavHttp, start: URL): Promise<AddressBook[]> {
  // A bare server URL is where RFC 6764 bootstraps from: .well-known/carddav leads to the DAV context.
  const own = (start.pathname === "/" ? await wellKnown(http, start) : undefined) ?? (await propfind(http, start, "0", START_PROPS));
  const self = own.responses[0];
  if (self && isAddressBook(self)) return [bookOf(self, own.url)];
  let homes = self ? hrefsIn(foundProp(self, CARDDAV, "addressbook-home-set")).map((href) => new URL(href, own.url)) : [];
  const principal = self ? hrefsIn(foundProp(self, DAV, "current-user-principal"))[0] : undefined;
  if (homes.length === 0 && principal !== undefined) {
    const principalUrl = new URL(principal, own.url);
    const answer = await propfind(http, principalUrl, "0", ["card:addressbook-home-set"]);
    const first = answer.responses[0];
    homes = first ? hrefsIn(foundProp(first, CARDDAV, "addressbook-home-set")).map((href) => new URL(href, answer.url)) : [];
    // Servers without a home-set keep address books right under the principal.
    if (homes.length === 0) homes = [principalUrl];
  }
  if (homes.length === 0) homes = [own.url];
  const books: AddressBook[] = [];
  for (const home of homes) {
    const listing = await propfind(http, home, "1", BOOK_PROPS);
    for (const response of listing.responses) if (isAddressBook(response)) books.push(bookOf(response, listing.url));
  }
  return books;
}

/**
 * The properties of where .well-known/carddav leads (redirects followed, at most 5), or undefined when the server
 * has no such entry (404, 405, 501...) and discovery goes on from the URL given.
 */
async function wellKnown(http: DavHttp, start: URL): Promise<Listing | undefined> {
  let url = new URL("/.well-known/carddav", start);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const call: DavRequest = { method: "PROPFIND", url, depth: "0", body: propfindBody(START_PROPS) };
    const answer = await http.send(call);
    if (answer.status === 207) return { responses: multistatusOf(answer, call).responses, url };
    if (answer.status === 401 || answer.status === 403) throw statusFailure(answer, call, http.who);
    if (answer.status < 300 || answer.status >= 400) return undefined;
    url = redirectTarget(answer, call);
  }
  throw new DavError("status", `CardDAV discovery from ${describe({ method: "PROPFIND", url: new URL("/.well-known/carddav", start) })}: more than ${MAX_REDIRECTS} redirects`, {
    hint: "Give the address book's URL (or the DAV base URL) in the CardDAV source's url.",
  });
}

function redirectTarget(answer: DavAnswer, call: DavRequest): URL {
  const location = answer.headers["location"];
  let target: URL | undefined;
  try {
    target = typeof location === "string" ? new URL(location, call.url) : undefined;
  } catch {
    target = undefined;
  }
  if (target === undefined) throw new DavError("malformed", `CardDAV ${describe(call)}: HTTP ${answer.status} without a usable Location`, { status: answer.status });
  // Credentials go along with every request: never to plain HTTP once the server chose HTTPS.
  if (call.url.protocol === "https:" && target.protocol !== "https:") {
    throw new DavError("status", `CardDAV ${describe(call)}: redirected from HTTPS to plain HTTP (${target.origin}); refused, as the credentials would travel in clear`, {
      status: answer.status,
    });
  }
  return target;
}

/** The responses of a PROPFIND, and the URL their relative hrefs resolve against. */
interface Listing {
  responses: DavResponse[];
  url: URL;
}

async function propfind(http: DavHttp, url: URL, depth: "0" | "1", props: readonly PropName[]): Promise<Listing> {
  const call: DavRequest = { method: "PROPFIND", url, depth, body: propfindBody(props) };
  const answer = await http.send(call);
  if (answer.status !== 207) throw statusFailure(answer, call, http.who);
  return { responses: multistatusOf(answer, call).responses, url };
}

function isAddressBook(response: DavResponse): boolean {
  return foundProp(response, DAV, "resourcetype")?.children.some((kind) => kind.ns === CARDDAV && kind.name === "addressbook") === true;
}

function bookOf(response: DavResponse, base: URL): AddressBook {
  const url = new URL(response.href, base);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  const displayName = foundProp(response, DAV, "displayname")?.text.trim() || safeDecode(segments.at(-1) ?? url.host);
  const syncToken = foundProp(response, DAV, "sync-token")?.text.trim() || undefined;
  const reports = foundProp(response, DAV, "supported-report-set");
  const supportsSync = reports === undefined ? syncToken !== undefined : contains(reports, DAV, "sync-collection");
  return { url: url.toString(), displayName, supportsSync, ...(syncToken === undefined ? {} : { syncToken }) };
}

function contains(element: XmlElement, ns: string, name: string): boolean {
  return element.children.some((each) => (each.ns === ns && each.name === name) || contains(each, ns, name));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
