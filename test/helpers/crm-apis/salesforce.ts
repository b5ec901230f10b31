// A fake Salesforce org on loopback: the OAuth 2.0 client credentials token endpoint and the REST API's SOQL query
// resource (query locators over a snapshot, nextRecordsUrl paging, the Sforce-Query-Options batch size), answering
// with Salesforce's shapes and errors; contacts a test can edit and delete, and faults it can inject.
import { startRestServer, type RestReply, type RestRequestSeen, type RestServer } from "../rest-server.js";
import { brokenJson, Faults } from "./faults.js";
import { people, type Person } from "./sf-graph-people.js";
import { bearerOf, credentialsOf, randomText, Tokens, type ClientCredentials } from "./tokens.js";

export const SALESFORCE_API = "/services/data/v60.0";
export const SALESFORCE_TOKEN_PATH = "/services/oauth2/token";

/** A Contact as the org stores it, with its Account and Owner looked up. */
export interface SalesforceContact {
  Id: string;
  FirstName: string | null;
  LastName: string;
  Email: string | null;
  Title: string | null;
  Department: string | null;
  Phone: string | null;
  MobilePhone: string | null;
  HomePhone: string | null;
  OtherPhone: string | null;
  Fax: string | null;
  MailingCountry: string | null;
  LastModifiedDate: string;
  Account: { Id: string; Name: string } | null;
  Owner: { Id: string; Name: string };
}

type Scalar = Exclude<keyof SalesforceContact, "Account" | "Owner">;
const SCALARS: readonly Scalar[] = ["Id", "FirstName", "LastName", "Email", "Title", "Department", "Phone", "MobilePhone", "HomePhone", "OtherPhone", "Fax", "MailingCountry", "LastModifiedDate"];
const RELATIONS = { Account: { type: "Account", fields: ["Id", "Name"] }, Owner: { type: "User", fields: ["Id", "Name"] } } as const;
type Relation = keyof typeof RELATIONS;

/** One selected field: `Phone`, or `Account.Name`, with Salesforce's spelling whatever the query's case. */
type Selected = { scalar: Scalar } | { relation: Relation; field: "Id" | "Name" };

export interface FakeSalesforce {
  /** The My Domain URL: what baseUrl points at. */
  url: string;
  tokenUrl: string;
  server: RestServer;
  faults: Faults;
  tokens: Tokens;
  /** The org's contacts, in creation order. */
  contacts(): SalesforceContact[];
  /** The Contact Id of person `index`. */
  idOf(index: number): string;
  update(id: string, changes: Partial<Omit<SalesforceContact, "Id">>): void;
  remove(id: string): void;
  /** Replaces every contact with these people's, and forgets faults, tokens and query locators. */
  reset(list: Person[]): void;
  /** Requests to the token endpoint so far. */
  tokenRequests(): RestRequestSeen[];
  /** Requests to the API so far. */
  apiRequests(): RestRequestSeen[];
  close(): Promise<void>;
}

export async function startFakeSalesforce(client: ClientCredentials, initial: Person[] = people(10)): Promise<FakeSalesforce> {
  const faults = new Faults();
  let tokens = newTokens();
  let contacts = new Map<string, SalesforceContact>();
  const locators = new Map<string, Record<string, unknown>[]>();
  const server = await startRestServer((request) => {
    if (request.url.pathname === SALESFORCE_TOKEN_PATH) return tokenAnswer(request, client, tokens, server.url);
    return apiAnswer(request);
  });

  function apiAnswer(request: RestRequestSeen): RestReply {
    const fault = faults.next();
    if (fault?.kind === "expireTokens") tokens.expireAll();
    // Any session that is not current gets the same answer: Salesforce does not say why.
    if (tokens.state(bearerOf(request, ["Bearer", "OAuth"])) !== "valid") {
      return { status: 401, headers: { "www-authenticate": 'Token realm="Salesforce", error="invalid_token"' }, json: [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }] };
    }
    if (fault?.kind === "throttle") {
      // Salesforce answers its own API limits with 403 REQUEST_LIMIT_EXCEEDED (rightly not retried); a 429 comes
      // from a gateway in front of it, or a limit yet to come.
      return { status: 429, headers: { "retry-after": String(fault.retryAfterS) }, json: [{ message: "Too many requests, retry after the time in Retry-After", errorCode: "REQUEST_LIMIT_EXCEEDED" }] };
    }
    if (fault?.kind === "error") {
      return { status: fault.status, json: [{ message: `An unexpected error occurred. Please include this ErrorId if you contact support: ${randomText(10, "0123456789")}-${randomText(5, "0123456789")} (-1307562083)`, errorCode: fault.status === 503 ? "SERVER_UNAVAILABLE" : "UNKNOWN_EXCEPTION" }] };
    }
    const reply = route(request);
    if (fault?.kind === "slow") return { ...reply, delayMs: fault.delayMs };
    if (fault?.kind === "brokenJson") return { ...reply, raw: brokenJson(reply.json) };
    return reply;
  }

  function route(request: RestRequestSeen): RestReply {
    const { pathname, searchParams } = request.url;
    if (request.method !== "GET") return notFound();
    if (pathname === `${SALESFORCE_API}/query` || pathname === `${SALESFORCE_API}/query/`) {
      const q = searchParams.get("q");
      if (!q) return { status: 400, json: [{ message: "A query string has to be specified", errorCode: "MALFORMED_QUERY" }] };
      const parsed = parseSoql(q);
      if ("error" in parsed) return { status: 400, json: [parsed.error] };
      const rows = [...contacts.values()].map((contact) => project(contact, parsed.fields));
      const locator = `01g${randomText(15)}`;
      locators.set(locator, rows);
      return { json: page(locator, rows, 0, batchSize(request)) };
    }
    const more = new RegExp(`^${SALESFORCE_API}/query/(01g\\w+)-(\\d+)$`).exec(pathname);
    if (more?.[1] && more[2]) {
      const rows = locators.get(more[1]);
      if (!rows) return { status: 400, json: [{ message: "invalid query locator", errorCode: "INVALID_QUERY_LOCATOR" }] };
      return { json: page(more[1], rows, Number(more[2]), batchSize(request)) };
    }
    return notFound();
  }

  const org: FakeSalesforce = {
    get url() {
      return server.url;
    },
    get tokenUrl() {
      return `${server.url}${SALESFORCE_TOKEN_PATH}`;
    },
    server,
    faults,
    get tokens() {
      return tokens;
    },
    contacts: () => [...contacts.values()],
    idOf: contactId,
    update(id, changes) {
      const contact = contacts.get(id);
      if (!contact) throw new Error(`no contact ${id}`);
      contacts.set(id, { ...contact, ...changes, LastModifiedDate: new Date().toISOString().replace("Z", "+0000") });
    },
    remove(id) {
      if (!contacts.delete(id)) throw new Error(`no contact ${id}`);
    },
    reset(list) {
      contacts = new Map(list.map((person) => [contactId(person.index), contactOf(person)]));
      faults.clear();
      tokens = newTokens();
      locators.clear();
      server.requests.length = 0;
    },
    tokenRequests: () => server.requests.filter((r) => r.url.pathname === SALESFORCE_TOKEN_PATH),
    apiRequests: () => server.requests.filter((r) => r.url.pathname !== SALESFORCE_TOKEN_PATH),
    close: () => server.close(),
  };
  org.reset(initial);
  return org;
}

/** POST /services/oauth2/token with grant_type=client_credentials: the org's answer has no expires_in. */
function tokenAnswer(request: RestRequestSeen, client: ClientCredentials, tokens: Tokens, base: string): RestReply {
  if (request.method !== "POST") return notFound();
  const { form, clientId, clientSecret } = credentialsOf(request);
  if (form.get("grant_type") !== "client_credentials") return { status: 400, json: { error: "unsupported_grant_type", error_description: "grant type not supported" } };
  if (clientId !== client.clientId) return { status: 400, json: { error: "invalid_client_id", error_description: "client identifier invalid" } };
  if (clientSecret !== client.clientSecret) return { status: 400, json: { error: "invalid_client", error_description: "invalid client credentials" } };
  const issuedAt = String(Date.now());
  return {
    json: {
      access_token: tokens.issue(),
      signature: Buffer.from(randomText(32)).toString("base64"),
      scope: "api",
      instance_url: base,
      id: `${base}/id/00DQy000000TESTMAA/005Qy00000RunAsIAA`,
      token_type: "Bearer",
      issued_at: issuedAt,
    },
  };
}

function newTokens(): Tokens {
  // The shape of a Salesforce session id: the org id, "!", then the session.
  return new Tokens(() => `00DQy000000TESTMAA!AQ${randomText(2)}AQ${randomText(90, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")}`);
}

/** `SELECT a, b, Account.Name FROM Contact`: the selected fields, or Salesforce's error. */
export function parseSoql(q: string): { fields: Selected[] } | { error: { message: string; errorCode: string } } {
  const match = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)\s*(.*)$/is.exec(q);
  if (!match?.[1] || !match[2]) return { error: { message: `unexpected token: '${q.trim().split(/\s+/)[0] ?? ""}'`, errorCode: "MALFORMED_QUERY" } };
  if (match[2].toLowerCase() !== "contact") return { error: { message: `sObject type '${match[2]}' is not supported.`, errorCode: "INVALID_TYPE" } };
  if (match[3]) return { error: { message: `the fake org does not model "${match[3]}": add it to test/helpers/crm-apis/salesforce.ts`, errorCode: "MALFORMED_QUERY" } };
  const fields: Selected[] = [];
  for (const name of match[1].split(",").map((field) => field.trim())) {
    const selected = selectedField(name);
    if (!selected) {
      return {
        error: {
          message: `\n${q}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          errorCode: "INVALID_FIELD",
        },
      };
    }
    fields.push(selected);
  }
  return { fields };
}

function selectedField(name: string): Selected | undefined {
  const [first, second, extra] = name.split(".");
  if (extra !== undefined || !first) return undefined;
  if (second === undefined) {
    const scalar = SCALARS.find((field) => field.toLowerCase() === first.toLowerCase());
    return scalar ? { scalar } : undefined;
  }
  const relation = (Object.keys(RELATIONS) as Relation[]).find((key) => key.toLowerCase() === first.toLowerCase());
  const field = relation ? RELATIONS[relation].fields.find((key) => key.toLowerCase() === second.toLowerCase()) : undefined;
  return relation && field ? { relation, field } : undefined;
}

/** A record as the query resource returns it: `attributes`, the selected fields, a related record or null. */
function project(contact: SalesforceContact, fields: Selected[]): Record<string, unknown> {
  const row: Record<string, unknown> = { attributes: { type: "Contact", url: `${SALESFORCE_API}/sobjects/Contact/${contact.Id}` } };
  for (const selected of fields) {
    if ("scalar" in selected) {
      row[selected.scalar] = contact[selected.scalar];
      continue;
    }
    const related = contact[selected.relation];
    if (related === null) {
      row[selected.relation] = null;
      continue;
    }
    const type = RELATIONS[selected.relation].type;
    const out = (row[selected.relation] ??= { attributes: { type, url: `${SALESFORCE_API}/sobjects/${type}/${related.Id}` } }) as Record<string, unknown>;
    out[selected.field] = related[selected.field];
  }
  return row;
}

function page(locator: string, rows: Record<string, unknown>[], offset: number, size: number): Record<string, unknown> {
  const end = offset + size;
  const done = end >= rows.length;
  return { totalSize: rows.length, done, ...(done ? {} : { nextRecordsUrl: `${SALESFORCE_API}/query/${locator}-${end}` }), records: rows.slice(offset, end) };
}

/** `Sforce-Query-Options: batchSize=500`: 200 to 2000, default 2000. */
function batchSize(request: RestRequestSeen): number {
  const asked = /batchSize\s*=\s*(\d+)/i.exec(String(request.headers["sforce-query-options"] ?? ""))?.[1];
  return asked === undefined ? 2000 : Math.min(2000, Math.max(200, Number(asked)));
}

function notFound(): RestReply {
  return { status: 404, json: [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }] };
}

function contactId(index: number): string {
  return `003Qy00000${String(index).padStart(5, "0")}IAW`;
}

/** An 18-character id of an Account (001) or User (005), the same for the same name. */
function relatedId(prefix: string, name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 100_000;
  return `${prefix}Qy00000${String(hash).padStart(5, "0")}IAQ`;
}

function contactOf(person: Person): SalesforceContact {
  return {
    Id: contactId(person.index),
    FirstName: person.firstName,
    LastName: person.lastName,
    Email: person.email,
    Title: person.title,
    Department: person.department,
    Phone: person.office?.typed ?? null,
    MobilePhone: person.mobile?.typed ?? null,
    HomePhone: person.home?.typed ?? null,
    OtherPhone: null,
    Fax: null,
    MailingCountry: person.country.name,
    LastModifiedDate: "2025-03-01T09:00:00.000+0000",
    Account: person.company === null ? null : { Id: relatedId("001", person.company), Name: person.company },
    Owner: { Id: relatedId("005", person.owner), Name: person.owner },
  };
}
