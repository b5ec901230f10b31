// The CardDAV protocol client against a real Radicale 3: discovery, listings, sync-collection, multiget, refused
// credentials, answers cut short, and TLS with a private CA.
import http from "node:http";
import type net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DavClient, type DavError, type DavOptions, type Member } from "../../connectors/carddav-dav.js";
import { startCutProxy } from "../helpers/cut-proxy.js";
import { davFailure } from "../helpers/fake-dav.js";
import { findRadicale, startRadicale, type RunningRadicale } from "../helpers/radicale.js";
import { generateCards, type GeneratedCard } from "../helpers/vcards.js";

const found = await findRadicale();


/** Every text a DavError shows or stores: none may hold a secret. */
function everything(err: DavError): string {
  return [err.message, err.hint, err.stack ?? "", JSON.stringify(err), err.bodyExcerpt ?? ""].join("\n");
}

/** A loopback HTTP server answering every request with `answer`; for what Radicale never does. */
async function fakeServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

if ("unavailable" in found) {
  // A missing server fails, never skips: otherwise the CardDAV client would ship untested with a green run.
  describe("the CardDAV client", () => {
    it("has Radicale to run against", () => {
      throw new Error(`cannot run: ${found.unavailable}`);
    });
  });
} else {
  describe("the CardDAV client against Radicale", () => {
    let radicale: RunningRadicale;
    let book: string;
    let cards: GeneratedCard[];
    let stored: Member[];
    const clients: DavClient[] = [];

    const client = (options: Partial<DavOptions> = {}): DavClient => {
      const made = new DavClient({ url: book, username: radicale.user, password: radicale.password, timeoutMs: 10_000, ...options });
      clients.push(made);
      return made;
    };

    beforeAll(async () => {
      radicale = await startRadicale();
      book = await radicale.createAddressBook("contacts", "Kontakte Ü");
      await radicale.createAddressBook("empty");
      cards = generateCards(36, 7);
      stored = [];
      for (const card of cards) {
        const { href, etag } = await radicale.putCard(book, card.fileName, card.text);
        stored.push({ href, etag });
      }
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((each) => each.close()));
      radicale.clearRequests();
    });
    afterAll(async () => {
      await radicale?.stop();
    });

    const byHref = (members: readonly Member[]) => [...members].sort((a, b) => a.href.localeCompare(b.href));

    it("finds the user's address books from the server's root URL through .well-known/carddav", async () => {
      const books = await client({ url: radicale.url }).addressBooks();
      expect(books.map((each) => each.displayName).sort()).toEqual(["Kontakte Ü", "empty"]);
      const contacts = books.find((each) => each.displayName === "Kontakte Ü");
      expect(contacts).toMatchObject({ url: book, supportsSync: true });
      expect(contacts?.syncToken).toMatch(/^http:\/\/radicale\.org\/ns\/sync\/[0-9a-f]{64}$/);
      const requests = radicale.requests();
      expect(requests.slice(0, 2)).toEqual([
        { method: "PROPFIND", path: "/.well-known/carddav", status: 301 },
        { method: "PROPFIND", path: "/", status: 207 },
      ]);
      expect(requests.every((request) => request.method === "PROPFIND")).toBe(true);
    });

    it("takes an address book's own URL as that one address book, in one request", async () => {
      const dav = client();
      const books = await dav.addressBooks();
      expect(books).toEqual([{ url: book, displayName: "Kontakte Ü", syncToken: expect.stringMatching(/^http:\/\/radicale\.org\/ns\/sync\//), supportsSync: true }]);
      expect(dav.requestCount).toBe(1);
      expect(radicale.requests()).toEqual([{ method: "PROPFIND", path: new URL(book).pathname, status: 207 }]);
    });

    it("lists every card with the ETag Radicale gave it, hrefs decoded (spaces and non-ASCII letters too)", async () => {
      const members = await client().listMembers(book);
      expect(byHref(members)).toEqual(byHref(stored));
      expect(members.some((member) => / /.test(member.href) && /[^ -~]/.test(member.href))).toBe(true);
    });

    it("lists every card and a sync token with sync-collection from no token", async () => {
      const answer = await client().syncCollection(book, "");
      expect(byHref(answer.members)).toEqual(byHref(stored));
      expect(answer.removed).toEqual([]);
      expect(answer.token).toMatch(/^http:\/\/radicale\.org\/ns\/sync\/[0-9a-f]{64}$/);
    });

    it("gives exactly the edited, added and removed cards with sync-collection from a token", async () => {
      const changes = await radicale.createAddressBook("changes");
      const few = generateCards(5, 99);
      const put = [];
      for (const card of few) put.push(await radicale.putCard(changes, card.fileName, card.text));
      const dav = client({ url: changes });
      const first = await dav.syncCollection(changes, "");
      expect(first.members).toHaveLength(5);

      const [edited, removed] = few as [GeneratedCard, GeneratedCard];
      const editedNow = await radicale.putCard(changes, edited.fileName, edited.text.replace(/FN:[^\r]*/, "FN:Zoë Müller-Edited"));
      const added = await radicale.putCard(changes, "added card ö.vcf", generateCards(1, 1234)[0]?.text ?? "");
      await radicale.deleteCard(put[1]?.href ?? "");

      const delta = await dav.syncCollection(changes, first.token);
      expect(byHref(delta.members)).toEqual(byHref([editedNow, added]));
      expect(editedNow.etag).not.toBe(put[0]?.etag);
      expect(delta.removed).toEqual([put[1]?.href]);
      expect(removed.uid).not.toBe(edited.uid);
      expect(delta.token).not.toBe(first.token);

      const still = await dav.syncCollection(changes, delta.token);
      expect(still).toEqual({ members: [], removed: [], token: delta.token });
    });

    it("throws invalid-token for a sync token Radicale does not know (HTTP 403 with DAV:valid-sync-token)", async () => {
      const unknown = `http://radicale.org/ns/sync/${"0".repeat(64)}`;
      for (const token of [unknown, "not-a-token"]) {
        const err = await davFailure(client().syncCollection(book, token));
        expect(err.kind).toBe("invalid-token");
        expect(err.code).toBe("SOURCE_CARDDAV");
        expect(err.status).toBe(403);
        expect(err.message).toContain(token);
      }
    });

    it("throws unsupported for sync-collection on a collection that is not an address book", async () => {
      const err = await davFailure(client().syncCollection(new URL(`/${radicale.user}/`, radicale.url).toString(), ""));
      expect(err.kind).toBe("unsupported");
      expect(err.status).toBe(403);
      expect(err.message).toContain("supported-report");
    });

    it("reads cards with multiget in the order asked, and a card that is not there as a 404 entry", async () => {
      const wanted = [stored[5], stored[0], stored[33]].map((member) => member?.href ?? "");
      const missing = `${new URL(book).pathname}no such card.vcf`;
      const answer = await client().multiget(book, [...wanted, missing]);
      expect(answer.map((entry) => entry.href)).toEqual([...wanted, missing]);
      for (const [index, entry] of answer.slice(0, 3).entries()) {
        if (!("data" in entry)) throw new Error(`no data for ${entry.href}: ${entry.message}`);
        const card = cards[stored.findIndex((member) => member.href === wanted[index])];
        expect(entry.etag).toBe(stored.find((member) => member.href === entry.href)?.etag);
        expect(entry.data).toContain(`UID:${card?.uid}`);
        expect(entry.data.startsWith("BEGIN:VCARD\r\n") && entry.data.endsWith("END:VCARD\r\n")).toBe(true);
        expect(entry.data.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
        expect(entry.data.replace(/\r?\n /g, "")).toContain(card?.fn);
      }
      expect(answer[3]).toEqual({ href: missing, status: 404, message: "Not Found" });
    });

    it("refuses a wrong password naming the user and the URL, never the password", async () => {
      const wrong = "wrong-Secret-9f2c";
      const err = await davFailure(client({ url: radicale.url, password: wrong }).addressBooks());
      expect(err.kind).toBe("auth");
      expect(err.status).toBe(401);
      expect(err.message).toContain(`CardDAV server refused user "${radicale.user}" at ${radicale.url}`);
      expect(err.message).toContain("wrong user name or password");
      expect(everything(err)).not.toContain(wrong);
      expect(everything(err)).not.toContain(Buffer.from(`${radicale.user}:${wrong}`).toString("base64"));
    });

    it("refuses a wrong bearer token without showing it", async () => {
      const token = "app-token-0b4e7d1c";
      const err = await davFailure(new DavClient({ url: book, token, timeoutMs: 5_000 }).listMembers(book));
      expect(err.kind).toBe("auth");
      expect(err.message).toMatch(/refused the token at .* \(HTTP 401\): wrong or expired token/);
      expect(everything(err)).not.toContain(token);
    });

    it("refuses another user's address books with HTTP 403 during discovery", async () => {
      const err = await davFailure(client({ url: new URL("/mallory/", radicale.url).toString() }).addressBooks());
      expect(err.kind).toBe("auth");
      expect(err.status).toBe(403);
      expect(err.message).toContain(`refused user "${radicale.user}"`);
    });

    it("throws when the connection drops in the middle of a listing, a sync answer or a multiget", async () => {
      const cut = await startCutProxy(radicale.radicalePort, 1_500);
      try {
        const viaCut = (target: string) => new URL(new URL(target).pathname, cut.url).toString();
        const dav = client({ url: viaCut(book) });
        const calls = [() => dav.listMembers(viaCut(book)), () => dav.syncCollection(viaCut(book), ""), () => dav.multiget(viaCut(book), stored.map((member) => member.href))];
        for (const call of calls) {
          const err = await davFailure(call());
          expect(err.kind).toBe("network");
          expect(err.message).toContain("the connection was cut before the answer was complete");
        }
        expect(cut.cuts).toBe(3);
      } finally {
        await cut.close();
      }
    });

    it("throws on a multistatus that is cut short yet framed as complete, never returning part of it", async () => {
      const whole = await client().syncCollection(book, "");
      expect(whole.members.length).toBe(36);
      // Radicale's own answer, cut after its tenth response: valid HTTP, invalid XML.
      const answer = await fetchRaw(radicale, book);
      const cutAt = nthIndex(answer, "</response>", 10) + "</response>".length;
      const server = await fakeServer((_req, res) => {
        res.writeHead(207, { "content-type": "text/xml; charset=utf-8" });
        res.end(answer.slice(0, cutAt));
      });
      try {
        const err = await davFailure(new DavClient({ url: server.url, timeoutMs: 5_000 }).syncCollection(`${server.url}book/`, ""));
        expect(err.kind).toBe("malformed");
        expect(err.message).toContain("not well-formed XML");
      } finally {
        await server.close();
      }
    });
  });

  describe("the CardDAV client against Radicale over TLS", () => {
    let radicale: RunningRadicale;
    let book: string;

    beforeAll(async () => {
      radicale = await startRadicale({ tls: true });
      await radicale.createAddressBook("secure", "Secure book");
      // Straight to Radicale's own TLS ([server] ssl = True), past the proxy.
      book = new URL(`/${radicale.user}/secure/`, radicale.radicaleUrl).toString();
    });
    afterAll(async () => {
      await radicale?.stop();
    });

    it("reaches a server whose certificate a private CA signed, given that CA", async () => {
      const dav = new DavClient({ url: radicale.radicaleUrl, username: radicale.user, password: radicale.password, ca: radicale.ca ?? "", timeoutMs: 10_000 });
      try {
        expect(await dav.addressBooks()).toEqual([{ url: book, displayName: "Secure book", syncToken: expect.any(String), supportsSync: true }]);
      } finally {
        await dav.close();
      }
    });

    it("refuses that certificate without the CA, saying so and naming caFile", async () => {
      const dav = new DavClient({ url: book, username: radicale.user, password: radicale.password, timeoutMs: 10_000 });
      try {
        const err = await davFailure(dav.listMembers(book));
        expect(err.kind).toBe("tls");
        expect(err.message).toMatch(/the server's TLS certificate was refused \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
        expect(err.field).toBe("caFile");
        expect(err.hint).toContain("caFile");
      } finally {
        await dav.close();
      }
    });

    // Last in the file: it ends this server.
    it("says nothing listens when the server is gone", async () => {
      await radicale.kill();
      const dav = new DavClient({ url: book, username: radicale.user, password: radicale.password, ca: radicale.ca ?? "", timeoutMs: 5_000 });
      try {
        const err = await davFailure(dav.listMembers(book));
        expect(err.kind).toBe("network");
        expect(err.message).toContain(`nothing listens at 127.0.0.1:${radicale.radicalePort} (ECONNREFUSED)`);
      } finally {
        await dav.close();
      }
    });
  });
}

/** Radicale's sync-collection answer for a book, as bytes on the wire say it. */
async function fetchRaw(radicale: RunningRadicale, book: string): Promise<string> {
  const response = await fetch(new URL(new URL(book).pathname, radicale.radicaleUrl), {
    method: "REPORT",
    headers: { authorization: `Basic ${Buffer.from(`${radicale.user}:${radicale.password}`).toString("base64")}`, depth: "0" },
    body: '<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>',
  });
  expect(response.status).toBe(207);
  return response.text();
}

function nthIndex(text: string, needle: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i += 1) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`fewer than ${n} "${needle}" in the answer`);
  }
  return at;
}
