// The CardDAV client against answers Radicale never gives: other servers' prefixes and hrefs, truncated sync
// answers, other status codes, HTML pages, silence, redirect loops. A loopback server plays each.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DavClient } from "../../connectors/carddav-dav.js";
import { davFailure, startFakeDav, type DavRequestSeen, type FakeDavServer } from "../helpers/fake-dav.js";

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** What the server answers next: a function of the request (method, path, body). */
let respond: (method: string, path: string, body: string) => Answer | null = () => ({ status: 500 });
const seen: DavRequestSeen[] = [];
let server: FakeDavServer;
let base = "";
const clients: DavClient[] = [];

beforeAll(async () => {
  server = await startFakeDav((request) => {
    seen.push(request);
    return respond(request.method, request.path, request.body);
  });
  base = server.base;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  seen.length = 0;
});
afterAll(async () => {
  await server.close();
});

function client(path = "/dav/book/", timeoutMs = 5_000): DavClient {
  const made = new DavClient({ url: `${base}${path}`, username: "bob", password: "pw-of-bob-77", timeoutMs });
  clients.push(made);
  return made;
}


const multistatus = (inner: string, prefix = "D") => `<?xml version="1.0"?><${prefix}:multistatus xmlns:${prefix}="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">${inner}</${prefix}:multistatus>`;

describe("the CardDAV client reading other servers' answers", () => {
  it("reads any namespace prefix, absolute-URL hrefs and any percent-encoding as the same decoded paths", async () => {
    respond = () => ({
      status: 207,
      body: `<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:carddav">
        <ns0:response><ns0:href>${base}/dav/book/</ns0:href><ns0:propstat><ns0:prop><ns0:resourcetype><ns0:collection/><ns1:addressbook/></ns0:resourcetype><ns0:getetag>"c"</ns0:getetag></ns0:prop><ns0:status>HTTP/1.1 200 OK</ns0:status></ns0:propstat></ns0:response>
        <ns0:response><ns0:href>/dav/book/Zo%c3%ab%20M.vcf</ns0:href><ns0:propstat><ns0:prop><ns0:resourcetype/><ns0:getetag>"1"</ns0:getetag></ns0:prop><ns0:status>HTTP/1.1 200 OK</ns0:status></ns0:propstat></ns0:response>
        <response xmlns="DAV:"><href>${base}/dav/book/a%2Bb.vcf</href><propstat><prop><getetag>W/"2"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
        <ns0:response><ns0:href>/dav/book/sub/</ns0:href><ns0:propstat><ns0:prop><ns0:resourcetype><ns0:collection/></ns0:resourcetype></ns0:prop><ns0:status>HTTP/1.1 200 OK</ns0:status></ns0:propstat></ns0:response>
      </ns0:multistatus>`,
    });
    const members = await client().listMembers(`${base}/dav/book`);
    expect(members).toEqual([
      { href: "/dav/book/Zoë M.vcf", etag: '"1"' },
      { href: "/dav/book/a+b.vcf", etag: 'W/"2"' },
    ]);
    expect(seen[0]).toMatchObject({ method: "PROPFIND", path: "/dav/book/", depth: "1" });
  });

  it("sends hrefs to multiget encoded, matches each answer back to the href asked for (leaving out what the answer left out), and gives vCards with CRLF", async () => {
    respond = () => ({
      status: 207,
      body: multistatus(
        `<D:response><D:href>/dav/book/Zo%C3%AB%20M.vcf</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><C:address-data>BEGIN:VCARD&#13;
VERSION:3.0
FN:Zoë &amp; co&#13;
END:VCARD&#13;
</C:address-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
        <D:response><D:href>/dav/book/gone.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
        <D:response><D:href>/dav/book/secret.vcf</D:href><D:propstat><D:prop><D:getetag>"3"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat><D:propstat><D:prop><C:address-data/></D:prop><D:status>HTTP/1.1 403 Forbidden</D:status></D:propstat></D:response>`,
      ),
    });
    const hrefs = ["/dav/book/gone.vcf", "/dav/book/Zoë M.vcf", "/dav/book/secret.vcf", "/dav/book/left out.vcf"];
    const fetched = await client().multiget(`${base}/dav/book/`, hrefs);
    expect(fetched).toEqual([
      { href: "/dav/book/gone.vcf", status: 404, message: "Not Found" },
      { href: "/dav/book/Zoë M.vcf", etag: '"1"', data: "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë & co\r\nEND:VCARD\r\n" },
      { href: "/dav/book/secret.vcf", status: 403, message: "no address-data in the answer" },
    ]);
    expect(seen[0]?.body).toContain("<d:href>/dav/book/Zo%C3%AB%20M.vcf</d:href>");
    expect(seen[0]?.body).toContain("<d:href>/dav/book/left%20out.vcf</d:href>");
  });

  it("follows a sync answer truncated with 507 to its end, later pages overriding earlier ones", async () => {
    respond = (_method, _path, body) =>
      body.includes("<d:sync-token/>")
        ? {
            status: 207,
            body: multistatus(
              `<D:response><D:href>/dav/book/a.vcf</D:href><D:propstat><D:prop><D:getetag>"a1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
               <D:response><D:href>/dav/book/b.vcf</D:href><D:propstat><D:prop><D:getetag>"b1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
               <D:response><D:href>/dav/book/</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response><D:sync-token>page-2</D:sync-token>`,
            ),
          }
        : {
            status: 207,
            body: multistatus(
              `<D:response><D:href>/dav/book/b.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
               <D:response><D:href>/dav/book/c.vcf</D:href><D:propstat><D:prop><D:getetag>"c1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response><D:sync-token>done</D:sync-token>`,
            ),
          };
    const answer = await client().syncCollection(`${base}/dav/book/`, "");
    expect(answer).toEqual({
      members: [
        { href: "/dav/book/a.vcf", etag: '"a1"' },
        { href: "/dav/book/c.vcf", etag: '"c1"' },
      ],
      removed: ["/dav/book/b.vcf"],
      token: "done",
    });
    expect(seen.map((request) => request.depth)).toEqual(["0", "0"]);
    expect(seen[1]?.body).toContain("<d:sync-token>page-2</d:sync-token>");
  });

  it("tells a forgotten sync token (409), a server without the report (501) and a refusal (403 page) apart", async () => {
    respond = () => ({ status: 409, body: `<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>` });
    expect((await davFailure(client().syncCollection(`${base}/dav/book/`, "t1"))).kind).toBe("invalid-token");
    respond = () => ({ status: 501, headers: { "content-type": "text/plain" }, body: "Not Implemented" });
    expect((await davFailure(client().syncCollection(`${base}/dav/book/`, ""))).kind).toBe("unsupported");
    respond = () => ({ status: 403, headers: { "content-type": "text/html" }, body: "<html><body>Forbidden for bob</body></html>" });
    const refused = await davFailure(client().syncCollection(`${base}/dav/book/`, ""));
    expect(refused.kind).toBe("auth");
    expect(refused.message).toContain(`refused user "bob" at ${base}/dav/book/ (HTTP 403)`);
  });

  it("throws on a server error, keeping the status, a body excerpt and Retry-After", async () => {
    respond = () => ({ status: 503, headers: { "retry-after": "7", "content-type": "text/plain" }, body: "maintenance until 10:00" });
    const err = await davFailure(client().listMembers(`${base}/dav/book/`));
    expect(err).toMatchObject({ kind: "status", status: 503, code: "SOURCE_CARDDAV", retryAfterMs: 7_000 });
    expect(err.message).toBe(`CardDAV PROPFIND ${base}/dav/book/: HTTP 503: maintenance until 10:00`);
  });

  it("throws on an HTML page where a multistatus should be, and on an undeclared prefix", async () => {
    respond = () => ({ status: 200, headers: { "content-type": "text/html" }, body: "<!DOCTYPE html><html><body><form>Login</form></body></html>" });
    const html = await davFailure(client().listMembers(`${base}/dav/book/`));
    expect(html.kind).toBe("malformed");
    expect(html.message).toContain("is not the WebDAV multistatus expected");
    respond = () => ({ status: 207, body: `<D:multistatus xmlns:D="DAV:"><x:response><D:href>/a</D:href></x:response></D:multistatus>` });
    expect((await davFailure(client().listMembers(`${base}/dav/book/`))).message).toContain('the prefix "x" of <x:response> is not declared');
  });

  it("gives up on a server that does not answer within timeoutMs", async () => {
    respond = () => null;
    const err = await davFailure(client("/dav/book/", 300).listMembers(`${base}/dav/book/`));
    expect(err.kind).toBe("timeout");
    expect(err.message).toContain("no complete answer within 300 ms");
  });

  it("stops at once, as cancelled, when the caller's signal fires", async () => {
    respond = () => null;
    const abort = new AbortController();
    const dav = new DavClient({ url: `${base}/dav/book/`, timeoutMs: 60_000, signal: abort.signal });
    clients.push(dav);
    const listing = davFailure(dav.listMembers(`${base}/dav/book/`));
    setTimeout(() => abort.abort(new Error("shutdown")), 50);
    const err = await listing;
    expect(err.kind).toBe("cancelled");
    expect(err.message).toBe(`CardDAV PROPFIND ${base}/dav/book/: cancelled`);
  });

  it("follows at most 5 redirects of .well-known/carddav", async () => {
    respond = (_method, path) => ({ status: 302, headers: { location: `${path}x` } });
    const dav = client("/");
    const err = await davFailure(dav.addressBooks());
    expect(err.message).toContain("more than 5 redirects");
    expect(dav.requestCount).toBe(6);
    expect(seen.map((request) => request.path)).toEqual(["/.well-known/carddav", "/.well-known/carddavx", "/.well-known/carddavxx", "/.well-known/carddavxxx", "/.well-known/carddavxxxx", "/.well-known/carddavxxxxx"]);
  });

  it("finds address books through a principal without an addressbook-home-set, skipping other collections", async () => {
    respond = (_method, path, body) => {
      if (path === "/.well-known/carddav") return { status: 404, body: "" };
      if (path === "/" && body.includes("current-user-principal")) {
        return { status: 207, body: multistatus(`<D:response><D:href>/</D:href><D:propstat><D:prop><D:current-user-principal><D:href>/p/bob/</D:href></D:current-user-principal></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`) };
      }
      if (path === "/p/bob/" && !body.includes("displayname")) return { status: 207, body: multistatus(`<D:response><D:href>/p/bob/</D:href><D:propstat><D:prop><C:addressbook-home-set/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>`) };
      return {
        status: 207,
        body: multistatus(
          `<D:response><D:href>/p/bob/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
           <D:response><D:href>/p/bob/cal/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><cal:calendar xmlns:cal="urn:ietf:params:xml:ns:caldav"/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
           <D:response><D:href>/p/bob/Geschäft</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype><D:supported-report-set><D:supported-report><D:report><C:addressbook-multiget/></D:report></D:supported-report></D:supported-report-set></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`,
        ),
      };
    };
    const books = await client("/").addressBooks();
    expect(books).toEqual([{ url: `${base}/p/bob/Gesch%C3%A4ft/`, displayName: "Geschäft", supportsSync: false }]);
    expect(seen.map((request) => `${request.method} ${request.path} ${request.depth}`)).toEqual([
      "PROPFIND /.well-known/carddav 0",
      "PROPFIND / 0",
      "PROPFIND /p/bob/ 0",
      "PROPFIND /p/bob/ 1",
    ]);
  });
});
