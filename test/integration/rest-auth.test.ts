// The REST source's logins against a local JSON API: bearer, basic, API key, OAuth2 client credentials (its token
// cache, renewal before expiry and on a 401), and every credential kept out of messages and log lines.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearTokenCache } from "../../connectors/rest-auth.js";
import { restConfigSchema, restConnector, type RestConfig } from "../../connectors/rest.js";
import type { ConnectorContext, SourceItem, SourceRecord } from "../../connectors/types.js";
import { createLogger } from "../../src/logger.js";
import { clearSecrets, redact } from "../../src/redact.js";
import { Collector } from "../helpers/collect.js";
import { contacts, startRestServer, type RestReply, type RestRequestSeen, type RestServer } from "../helpers/rest-server.js";
import { failure } from "../helpers/failure.js";

let api: RestServer;
beforeAll(async () => {
  api = await startRestServer();
});
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
  clearTokenCache();
  clearSecrets();
});

const ALL = contacts(5);
const CLIENT_ID = "phonebook-sync";
const CLIENT_SECRET = `cs-${randomBytes(8).toString("hex")}`;

function config(extra: Record<string, unknown>): RestConfig {
  return restConfigSchema.parse({
    type: "rest",
    baseUrl: api.url,
    path: "/contacts",
    records: "results",
    id: "id",
    paging: { type: "page", size: 2 },
    retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 10 },
    ...extra,
  });
}

/** Five contacts, two a page, at /contacts; every other request is refused unless `allowed` lets it through. */
function contactsRoute(allowed: (request: RestRequestSeen) => RestReply | undefined): (request: RestRequestSeen) => RestReply {
  return (request) => {
    const refused = allowed(request);
    if (refused) return refused;
    const page = Number(request.url.searchParams.get("page"));
    return { json: { results: ALL.slice((page - 1) * 2, page * 2) } };
  };
}

async function readAll(source: RestConfig, ctx: ConnectorContext = { baseDir: "/" }): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of restConnector.read(source, ctx)) items.push(item);
  return items;
}

const idsOf = (items: SourceItem[]) => items.filter((item): item is SourceRecord => item.kind === "record").map((item) => item.fields["id"]);
const apiCalls = () => api.requests.filter((request) => request.url.pathname === "/contacts");
const tokenCalls = () => api.requests.filter((request) => request.url.pathname === "/oauth/token");

describe("REST fixed credentials", () => {
  it("sends a bearer token in the Authorization header of every page", async () => {
    const token = `bt-${randomBytes(8).toString("hex")}`;
    api.handle(contactsRoute(({ headers }) => (headers.authorization === `Bearer ${token}` ? undefined : { status: 401, json: { error: "no token" } })));
    expect(idsOf(await readAll(config({ auth: { type: "bearer", token } })))).toEqual([1, 2, 3, 4, 5]);
    expect(apiCalls()).toHaveLength(3);
  });

  it("sends basic credentials as user:password in base64", async () => {
    const expected = `Basic ${Buffer.from("crm-reader:pä:ss").toString("base64")}`;
    api.handle(contactsRoute(({ headers }) => (headers.authorization === expected ? undefined : { status: 401, json: {} })));
    expect(idsOf(await readAll(config({ auth: { type: "basic", username: "crm-reader", password: "pä:ss" } })))).toHaveLength(5);
  });

  it("sends an API key in a header of its own, or as a query parameter next to the paging's", async () => {
    api.handle(contactsRoute(({ headers }) => (headers["x-api-key"] === "key-123456" ? undefined : { status: 403, json: {} })));
    expect(idsOf(await readAll(config({ auth: { type: "apiKey", in: "header", name: "X-Api-Key", value: "key-123456" } })))).toHaveLength(5);

    api.requests.length = 0;
    api.handle(contactsRoute(({ url }) => (url.searchParams.get("hapikey") === "key-654321" ? undefined : { status: 403, json: {} })));
    expect(idsOf(await readAll(config({ auth: { type: "apiKey", in: "query", name: "hapikey", value: "key-654321" } })))).toHaveLength(5);
    expect(apiCalls().map((request) => [request.url.searchParams.get("page"), request.url.searchParams.get("hapikey")])).toEqual([
      ["1", "key-654321"],
      ["2", "key-654321"],
      ["3", "key-654321"],
    ]);
  });
});

/** An OAuth2 server and API: tokens it issued are valid until `revoke`; `expiresIn` is each new token's lifetime. */
class OAuthApi {
  issued: string[] = [];
  valid = new Set<string>();
  expiresIn = 3600;
  refuseClient = false;
  /** Refuses the API request for this page once / always, whatever the token. */
  revokeOnPage: { page: number; always: boolean } | undefined;

  constructor(private readonly clientAuth: "body" | "basic") {
    api.handle((request) => (request.url.pathname === "/oauth/token" ? this.token(request) : this.contacts(request)));
  }

  private token({ body, headers, method }: RestRequestSeen): RestReply {
    const form = new URLSearchParams(body);
    const client =
      this.clientAuth === "basic"
        ? headers.authorization === `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}` && !form.has("client_secret")
        : form.get("client_id") === CLIENT_ID && form.get("client_secret") === CLIENT_SECRET && headers.authorization === undefined;
    if (method !== "POST" || form.get("grant_type") !== "client_credentials" || !client || this.refuseClient) {
      // A server that quotes what it was sent, as some do.
      return { status: 401, json: { error: "invalid_client", error_description: `unknown client ${form.get("client_id") ?? ""} / ${form.get("client_secret") ?? ""}` } };
    }
    const accessToken = `at-${this.issued.length + 1}-${randomBytes(12).toString("hex")}`;
    this.issued.push(accessToken);
    this.valid.add(accessToken);
    return { json: { access_token: accessToken, token_type: "Bearer", expires_in: this.expiresIn } };
  }

  private contacts(request: RestRequestSeen): RestReply {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
    const page = Number(request.url.searchParams.get("page"));
    if (this.revokeOnPage?.page === page) {
      this.valid.clear();
      if (!this.revokeOnPage.always) this.revokeOnPage = undefined;
    }
    if (!this.valid.has(token)) return { status: 401, json: { message: `token ${token} is not valid` } };
    return contactsRoute(() => undefined)(request);
  }
}

function oauth(clientAuth: "body" | "basic" = "body"): Record<string, unknown> {
  return { auth: { type: "oauth2", tokenUrl: `${api.url}/oauth/token`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: "crm.read", clientAuth } };
}

describe("REST OAuth2 client credentials", () => {
  it("asks the token endpoint once for a check and a read on one handle, with the client in the form body", async () => {
    const server = new OAuthApi("body");
    const handle = await restConnector.open(config(oauth()), { baseDir: "/" });
    try {
      expect((await handle.check()).columns).toEqual(["company", "id", "name", "phone"]);
      const items: SourceItem[] = [];
      for await (const item of handle.read()) items.push(item);
      expect(idsOf(items)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await handle.close();
    }
    expect(tokenCalls()).toHaveLength(1);
    expect(new URLSearchParams(tokenCalls()[0]?.body).get("scope")).toBe("crm.read");
    expect(tokenCalls()[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    // Page 1 once (the read starts from the page check() fetched), then pages 2 and 3.
    expect(apiCalls().map((request) => request.headers.authorization)).toEqual(Array(3).fill(`Bearer ${server.issued[0] ?? "?"}`));
  });

  it("sends the client as an HTTP Basic header with clientAuth: basic, and shares the token between two handles", async () => {
    const server = new OAuthApi("basic");
    expect(idsOf(await readAll(config(oauth("basic"))))).toHaveLength(5);
    expect(idsOf(await readAll(config(oauth("basic"))))).toHaveLength(5);
    expect(tokenCalls()).toHaveLength(1);
    expect(server.issued).toHaveLength(1);
    expect(apiCalls()).toHaveLength(6);
  });

  it("renews a token 60 s before it expires, and a short-lived one at half its lifetime, not before every request", async () => {
    const server = new OAuthApi("body");
    server.expiresIn = 30;
    expect(idsOf(await readAll(config(oauth())))).toHaveLength(5);
    // 30 s of life: renewed after 15 s, so one token serves the whole read.
    expect(tokenCalls()).toHaveLength(1);
    clearTokenCache();
    server.expiresIn = 1;
    const slow = config({ ...oauth(), rateLimit: 1.5 });
    expect(idsOf(await readAll(slow))).toHaveLength(5);
    // 1 s of life, renewed after 0.5 s; requests 0.67 s apart: every request finds it due.
    expect(tokenCalls()).toHaveLength(4);
  });

  it("renews the token once when the API answers 401 mid-read, and reads on to the last record", async () => {
    const server = new OAuthApi("body");
    server.revokeOnPage = { page: 2, always: false };
    expect(idsOf(await readAll(config(oauth())))).toEqual([1, 2, 3, 4, 5]);
    expect(tokenCalls()).toHaveLength(2);
    expect(apiCalls().map((request) => [request.url.searchParams.get("page"), request.headers.authorization])).toEqual([
      ["1", `Bearer ${server.issued[0] ?? "?"}`],
      ["2", `Bearer ${server.issued[0] ?? "?"}`],
      ["2", `Bearer ${server.issued[1] ?? "?"}`],
      ["3", `Bearer ${server.issued[1] ?? "?"}`],
    ]);
  });

  it("fails SOURCE_REST 401 with the credentials hint when the renewed token is refused too", async () => {
    const server = new OAuthApi("body");
    server.revokeOnPage = { page: 2, always: true };
    const error = await failure(readAll(config(oauth())));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/page 2 \(with a renewed token\): GET http:\/\/127\.0\.0\.1:\d+\/contacts\?page=2&per_page=2: HTTP 401/);
    expect(error.hint).toMatch(/refused the credentials/);
    expect(tokenCalls()).toHaveLength(2);
    expect(apiCalls()).toHaveLength(3);
    for (const token of server.issued) expect(error.message).not.toContain(token);
  });

  it("fails naming the token request, not the client secret, when the token endpoint refuses the client, asking it once", async () => {
    const server = new OAuthApi("body");
    server.refuseClient = true;
    const error = await failure(readAll(config(oauth())));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/^OAuth2 token request: POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token: HTTP 401/);
    expect(error.message).not.toContain(CLIENT_SECRET);
    expect(error.hint).toMatch(/clientId, clientSecret/);
    expect(tokenCalls()).toHaveLength(1);
    expect(apiCalls()).toHaveLength(0);
  });
});

describe("REST secrets", () => {
  /** A logger at debug level writing redacted JSON lines to a buffer, as the daemon's does. */
  function capture(): { ctx: ConnectorContext; text: () => string } {
    const out = new Collector();
    return { ctx: { baseDir: "/", logger: createLogger({ destination: out, level: "debug" }) }, text: () => out.text };
  }

  /** An API that answers 500 quoting the credentials it was sent (and retries it once). */
  function echoingFailure(): void {
    api.handle(({ headers, url }) => ({ status: 500, json: { error: `backend down for ${headers.authorization ?? ""} ${headers["x-api-key"] ?? ""} ${url.search}` } }));
  }

  const bearer = `bt-${randomBytes(8).toString("hex")}`;
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const apiKey = `ak-${randomBytes(8).toString("hex")}`;
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ["a bearer token", { type: "bearer", token: bearer }, [bearer]],
    ["a basic password", { type: "basic", username: "reader", password }, [password, Buffer.from(`reader:${password}`).toString("base64")]],
    ["an API key in a header", { type: "apiKey", in: "header", name: "X-Api-Key", value: apiKey }, [apiKey]],
    ["an API key in the query", { type: "apiKey", in: "query", name: "hapikey", value: apiKey }, [apiKey]],
  ];

  for (const [what, auth, secrets] of cases) {
    it(`keeps ${what} out of the error message and the log lines of a failed read`, async () => {
      echoingFailure();
      const { ctx, text } = capture();
      const error = await failure(readAll(config({ auth }), ctx));
      expect(error.message).toMatch(/HTTP 500/);
      expect(apiCalls()).toHaveLength(2);
      // The server did get the secret: the test would see it leak.
      const sent = JSON.stringify(api.requests.map((request) => [request.headers, request.url.search]));
      expect(secrets.some((secret) => sent.includes(secret))).toBe(true);
      expect(text()).toMatch(/REST request failed, retrying/);
      for (const secret of secrets) {
        expect(`${error.message} ${error.hint ?? ""} ${JSON.stringify(error.toJSON())}`).not.toContain(secret);
        expect(text()).not.toContain(secret);
      }
    });
  }

  it("keeps the client secret and the access token it obtained out of messages and log lines, and masks the token by registering it", async () => {
    const server = new OAuthApi("body");
    const { ctx, text } = capture();
    expect(idsOf(await readAll(config(oauth()), ctx))).toHaveLength(5);
    const accessToken = server.issued[0] ?? "?";
    expect(redact(`Authorization: Bearer ${accessToken}`)).toBe("Authorization: Bearer ***");
    expect(redact(`client_secret=${CLIENT_SECRET}`)).toBe("client_secret=***");

    server.refuseClient = true;
    clearTokenCache();
    const refused = await failure(readAll(config(oauth()), ctx));
    server.refuseClient = false;
    server.revokeOnPage = { page: 1, always: true };
    const revoked = await failure(readAll(config(oauth()), ctx));
    expect(revoked.message).toMatch(/HTTP 401/);
    expect(text()).toMatch(/rest answer/);
    for (const secret of [CLIENT_SECRET, ...server.issued]) {
      for (const error of [refused, revoked]) expect(`${error.message} ${JSON.stringify(error.toJSON())}`).not.toContain(secret);
      expect(text()).not.toContain(secret);
    }
  });
});
