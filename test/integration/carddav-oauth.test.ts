// The CardDAV source's OAuth 2.0 login as Google's CardDAV has it: a loopback token endpoint exchanges the refresh token
// for an access token, a fake DAV server takes nothing but that token; refusals name the token URL and the client and
// never a secret, and the access token is masked once the source is open.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { carddavConfigSchema, carddavConnector, type CarddavConfig } from "../../connectors/carddav.js";
import type { ConnectorContext, SourceItem, SourceRecord } from "../../connectors/types.js";
import type { SyncError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { clearSecrets, redact, registerSecret } from "../../src/redact.js";
import { Collector } from "../helpers/collect.js";
import { startFakeDav, type DavRequestSeen, type FakeAnswer, type FakeDavServer } from "../helpers/fake-dav.js";
import { failure } from "../helpers/failure.js";
import { tempDir } from "../helpers/temp.js";
import { generateCards } from "../helpers/vcards.js";

const CLIENT_ID = "123456789-phonebook.apps.googleusercontent.com";
const CLIENT_SECRET = `GOCSPX-${randomBytes(12).toString("hex")}`;
const REFRESH_TOKEN = `1//0g${randomBytes(16).toString("hex")}`;
const REVOKED_TOKEN = `1//0g${randomBytes(16).toString("hex")}`;
const SCOPE = "https://www.googleapis.com/auth/carddav";
const BOOK = "/carddav/v1/principals/alice@example.com/lists/default/";
const CARDS = generateCards(3, 71);

/** A token request as the endpoint saw it. */
interface TokenRequestSeen {
  method: string;
  path: string;
  contentType: string | undefined;
  form: Record<string, string>;
}

/** What the token endpoint does besides Google's answers: a status and body of the test's choosing. */
let tokenOverride: { status: number; body: string } | undefined;
const tokenRequests: TokenRequestSeen[] = [];
/** Access tokens issued, the last one last. */
const issued: string[] = [];
const davRequests: DavRequestSeen[] = [];
/** Whether the DAV server takes the last token issued (false: it refuses every token, as after a revocation). */
let davTakesToken = true;

let tokenServer: http.Server;
let tokenUrl: string;
let dav: FakeDavServer;
let dir: string;

/** Google's token endpoint: checks the form, issues a fresh access token for the refresh token, refuses the revoked one. */
function answerTokenRequest(seen: TokenRequestSeen): { status: number; body: string } {
  if (tokenOverride) return tokenOverride;
  const { form } = seen;
  const json = (status: number, body: object) => ({ status, body: JSON.stringify(body) });
  if (seen.method !== "POST" || seen.contentType !== "application/x-www-form-urlencoded" || form["grant_type"] !== "refresh_token") {
    return json(400, { error: "unsupported_grant_type", error_description: "Invalid grant_type: " });
  }
  if (form["client_id"] !== CLIENT_ID || form["client_secret"] !== CLIENT_SECRET) return json(401, { error: "invalid_client", error_description: "Unauthorized" });
  if (form["refresh_token"] !== REFRESH_TOKEN) return json(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
  const accessToken = `ya29.${randomBytes(24).toString("base64url")}`;
  issued.push(accessToken);
  return json(200, { access_token: accessToken, expires_in: 3599, scope: SCOPE, token_type: "Bearer" });
}

const multistatus = (inner: string) => `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">${inner}</d:multistatus>`;
const xmlText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const ok = (href: string, props: string) => `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
const cardHref = (index: number) => `${BOOK}card-${index}.vcf`;

/** A Google-like address book of three cards, answering only `Authorization: Bearer <the last token issued>`. */
function answerDav(request: DavRequestSeen): FakeAnswer {
  davRequests.push(request);
  const token = issued.at(-1);
  if (!davTakesToken || token === undefined || request.authorization !== `Bearer ${token}`) {
    return { status: 401, headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' }, body: "" };
  }
  if (request.method === "PROPFIND" && request.path === BOOK && request.depth === "0") {
    return { status: 207, body: multistatus(ok(BOOK, "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Address Book</d:displayname>")) };
  }
  if (request.method === "PROPFIND" && request.path === BOOK && request.depth === "1") {
    return { status: 207, body: multistatus(CARDS.map((_, i) => ok(cardHref(i), `<d:resourcetype/><d:getetag>"e${i}"</d:getetag>`)).join("")) };
  }
  if (request.method === "REPORT" && request.path === BOOK && request.body.includes("addressbook-multiget")) {
    const wanted = CARDS.map((card, i) => ({ card, i })).filter(({ i }) => request.body.includes(`card-${i}.vcf`));
    return { status: 207, body: multistatus(wanted.map(({ card, i }) => ok(cardHref(i), `<d:getetag>"e${i}"</d:getetag><card:address-data>${xmlText(card.text)}</card:address-data>`)).join("")) };
  }
  return { status: 404, body: "" };
}

beforeAll(async () => {
  dir = await tempDir("pbsync-carddav-oauth-");
  tokenServer = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const seen = { method: req.method ?? "", path: req.url ?? "", contentType: req.headers["content-type"], form: Object.fromEntries(new URLSearchParams(body)) };
      tokenRequests.push(seen);
      const answer = answerTokenRequest(seen);
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8" });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as net.AddressInfo).port}/token`;
  dav = await startFakeDav(answerDav);
});

afterAll(async () => {
  tokenServer?.closeAllConnections();
  await Promise.all([new Promise((resolve) => (tokenServer ? tokenServer.close(resolve) : resolve(undefined))), dav?.close()]);
});

beforeEach(() => {
  clearSecrets();
  tokenOverride = undefined;
  davTakesToken = true;
  tokenRequests.length = 0;
  davRequests.length = 0;
});

function configOf(oauth2: Record<string, unknown> = {}, fields: Record<string, unknown> = {}): CarddavConfig {
  return carddavConfigSchema.parse({
    type: "carddav",
    url: `${dav.base}${BOOK}`,
    timeoutMs: 5_000,
    oauth2: { tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN, ...oauth2 },
    ...fields,
  });
}

/** A context whose secrets go to a list of its own: the process-wide registry stays empty, so no message is masked for the test. */
function ownRegistry(): { ctx: ConnectorContext; secrets: string[] } {
  const secrets: string[] = [];
  return { ctx: { baseDir: dir, registerSecret: (secret) => secrets.push(secret) }, secrets };
}

/** Every text an error carries: message, hint, body excerpt and its JSON form (as logs and reports keep it). */
function textsOf(err: SyncError): string {
  return [err.message, err.hint, err.bodyExcerpt ?? "", JSON.stringify(err.toJSON())].join("\n");
}

describe("a CardDAV source with an oauth2 refresh token (Google)", () => {
  it("exchanges the refresh token once, then checks and reads the address book with the access token as bearer", async () => {
    const handle = await carddavConnector.open(configOf({ scope: SCOPE }), { baseDir: dir, registerSecret });
    const items: SourceItem[] = [];
    try {
      const check = await handle.check();
      expect(check.found).toEqual([`reads address book "Address Book" at ${dav.base}${BOOK} (no sync-collection: listed in full with ETags)`]);
      for await (const item of handle.read()) items.push(item);
    } finally {
      await handle.close();
    }
    const records = items.filter((item): item is SourceRecord => item.kind === "record");
    expect(records.map((record) => record.fields["uid"]).sort()).toEqual(CARDS.map((card) => card.uid).sort());
    expect(records.map((record) => record.ref).sort()).toEqual(CARDS.map((_, i) => cardHref(i)).sort());
    expect(tokenRequests).toEqual([
      {
        method: "POST",
        path: "/token",
        contentType: "application/x-www-form-urlencoded",
        form: { grant_type: "refresh_token", client_id: CLIENT_ID, client_secret: CLIENT_SECRET, refresh_token: REFRESH_TOKEN, scope: SCOPE },
      },
    ]);
    expect(issued.length).toBeGreaterThan(0);
    // Discovery, listing and multiget: every request with the one token issued.
    expect(davRequests.map((request) => `${request.method} ${request.depth ?? ""}`)).toEqual(["PROPFIND 0", "PROPFIND 1", "REPORT 1"]);
    expect(new Set(davRequests.map((request) => request.authorization))).toEqual(new Set([`Bearer ${issued.at(-1)}`]));
  });

  it("asks Google's token endpoint when the config names no token URL", () => {
    const config = carddavConfigSchema.parse({ type: "carddav", url: `${dav.base}${BOOK}`, oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN } });
    expect(config.oauth2).toEqual({ tokenUrl: "https://oauth2.googleapis.com/token", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN });
  });

  it("opens without a scope in the form when none is configured", async () => {
    const handle = await carddavConnector.open(configOf(), { baseDir: dir, registerSecret });
    await handle.close();
    expect(tokenRequests.map((request) => Object.keys(request.form).sort())).toEqual([["client_id", "client_secret", "grant_type", "refresh_token"]]);
  });

  it("registers the access token before logging anything, and redact() masks it once the source is open", async () => {
    const out = new Collector();
    const handle = await carddavConnector.open(configOf(), { baseDir: dir, registerSecret, logger: createLogger({ destination: out, level: "debug" }) });
    try {
      await handle.check();
    } finally {
      await handle.close();
    }
    const token = issued.at(-1) ?? "";
    expect(token).toMatch(/^ya29\./);
    expect(redact(`Authorization: Bearer ${token}`)).toBe("Authorization: Bearer ***");
    expect(redact(`${REFRESH_TOKEN} ${CLIENT_SECRET}`)).toBe("*** ***");
    expect(out.text).toContain("carddav oauth2 access token obtained");
    for (const secret of [token, CLIENT_SECRET, REFRESH_TOKEN]) expect(out.text).not.toContain(secret);
  });
});

describe("a CardDAV source whose OAuth login fails", () => {
  it("fails with SOURCE_CARDDAV on a revoked refresh token, naming the token URL and client and quoting Google, never a secret", async () => {
    const { ctx, secrets } = ownRegistry();
    const err = await failure(carddavConnector.open(configOf({ refreshToken: REVOKED_TOKEN }), ctx));
    expect(err.code).toBe("SOURCE_CARDDAV");
    expect(err.status).toBe(400);
    expect(err.field).toBe("oauth2.refreshToken");
    expect(err.message).toBe(`CardDAV OAuth2 token request for client "${CLIENT_ID}" (POST ${tokenUrl}): the refresh token was refused (HTTP 400, invalid_grant: Token has been expired or revoked.)`);
    expect(err.hint).toMatch(/revoked or has expired.*make a new one/);
    for (const secret of [CLIENT_SECRET, REVOKED_TOKEN]) expect(textsOf(err)).not.toContain(secret);
    // Registered with the context's registry, so logs and reports would mask them too; and no DAV request was sent.
    expect(secrets).toEqual(expect.arrayContaining([CLIENT_SECRET, REVOKED_TOKEN]));
    expect(davRequests).toEqual([]);
  });

  it("says the client was refused when the client secret is wrong", async () => {
    const wrong = `GOCSPX-${randomBytes(12).toString("hex")}`;
    const { ctx } = ownRegistry();
    const err = await failure(carddavConnector.open(configOf({ clientSecret: wrong }), ctx));
    expect(err.code).toBe("SOURCE_CARDDAV");
    expect(err.message).toBe(`CardDAV OAuth2 token request for client "${CLIENT_ID}" (POST ${tokenUrl}): the client was refused (HTTP 401, invalid_client: Unauthorized)`);
    expect(err.hint).toMatch(/oauth2\.clientId and oauth2\.clientSecret/);
    for (const secret of [wrong, REFRESH_TOKEN]) expect(textsOf(err)).not.toContain(secret);
  });

  it("keeps the access token out of the error when the CardDAV server refuses it", async () => {
    davTakesToken = false;
    const { ctx, secrets } = ownRegistry();
    const handle = await carddavConnector.open(configOf(), ctx);
    try {
      const err = await failure(handle.check());
      const token = issued.at(-1) ?? "";
      expect(secrets).toContain(token);
      expect(err.code).toBe("SOURCE_CARDDAV");
      expect(err.status).toBe(401);
      expect(err.message).toMatch(/refused the token .*wrong or expired token/);
      for (const secret of [token, CLIENT_SECRET, REFRESH_TOKEN]) expect(textsOf(err)).not.toContain(secret);
    } finally {
      await handle.close();
    }
  });

  it("refuses an answer without an access token, without quoting it", async () => {
    tokenOverride = { status: 200, body: JSON.stringify({ token_type: "Bearer", id_token: "eyJ-not-for-us" }) };
    const err = await failure(carddavConnector.open(configOf(), ownRegistry().ctx));
    expect(err.code).toBe("SOURCE_CARDDAV");
    expect(err.message).toBe(`CardDAV OAuth2 token request for client "${CLIENT_ID}" (POST ${tokenUrl}): the answer (HTTP 200) is not JSON with an access_token`);
    expect(textsOf(err)).not.toContain("eyJ-not-for-us");
    expect(davRequests).toEqual([]);
  });

  it("names a token endpoint that answers 503 with its status and body", async () => {
    tokenOverride = { status: 503, body: "upstream unavailable" };
    const err = await failure(carddavConnector.open(configOf(), ownRegistry().ctx));
    expect(err.code).toBe("SOURCE_CARDDAV");
    expect(err.status).toBe(503);
    expect(err.message).toBe(`CardDAV OAuth2 token request for client "${CLIENT_ID}" (POST ${tokenUrl}): HTTP 503: upstream unavailable`);
  });

  it("names a token URL where nothing listens as the DAV client names a server that is not there", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(carddavConnector.open(configOf({ tokenUrl: `http://127.0.0.1:${port}/token` }), ownRegistry().ctx));
    expect(err.code).toBe("SOURCE_CARDDAV");
    expect(err.message).toBe(`CardDAV OAuth2 token request for client "${CLIENT_ID}" (POST http://127.0.0.1:${port}/token): nothing listens at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(err.hint).toMatch(/oauth2\.tokenUrl/);
  });
});

describe("an oauth2 CardDAV config", () => {
  const base = { type: "carddav", url: "https://www.googleapis.com/carddav/v1/principals/alice@example.com/lists/default/" };
  const oauth2 = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN };
  const problems = (input: object) => {
    const parsed = carddavConfigSchema.safeParse({ ...base, oauth2, ...input });
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };

  it("is refused together with a bearer token", () => {
    expect(problems({ token: "static-bearer-1" })).toEqual(["oauth2: give either oauth2 (a refresh token) or token (bearer), not both"]);
  });

  it("is refused together with a user name and password", () => {
    expect(problems({ username: "alice", password: "app-pw-1" })).toEqual(["oauth2: give either oauth2 (a refresh token) or username and password, not both"]);
  });
});
