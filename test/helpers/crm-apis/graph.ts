// A fake Microsoft 365 tenant on loopback: the Microsoft identity platform's v2.0 token endpoint (client credentials)
// and Microsoft Graph's GET /v1.0/users/{mailbox}/contacts ($select, $top, $skip, @odata.nextLink, immutable ids on
// Prefer: IdType="ImmutableId"), answering with Graph's shapes and errors; contacts a test can edit and delete.
import { startRestServer, type RestReply, type RestRequestSeen, type RestServer } from "../rest-server.js";
import { brokenJson, Faults } from "./faults.js";
import { people, phone, type Person } from "./sf-graph-people.js";
import { bearerOf, credentialsOf, randomText, Tokens, type ClientCredentials } from "./tokens.js";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

export interface GraphAddress {
  street?: string;
  city?: string;
  state?: string;
  countryOrRegion?: string;
  postalCode?: string;
}

/** A contact of the mailbox's default Contacts folder, as Graph gives it (both of its ids). */
export interface GraphContact {
  /** The default (REST) id, which changes when the contact moves folder. */
  restId: string;
  /** The id under Prefer: IdType="ImmutableId". */
  immutableId: string;
  displayName: string | null;
  givenName: string | null;
  middleName: string | null;
  surname: string | null;
  companyName: string | null;
  department: string | null;
  jobTitle: string | null;
  businessPhones: string[];
  homePhones: string[];
  mobilePhone: string | null;
  emailAddresses: { name: string; address: string }[];
  businessAddress: GraphAddress;
  homeAddress: GraphAddress;
  categories: string[];
  personalNotes: string | null;
  lastModifiedDateTime: string;
}

/** What $select may name (the contact resource's properties this fake models). */
const SELECTABLE = ["id", "displayName", "givenName", "middleName", "surname", "companyName", "department", "jobTitle", "businessPhones", "homePhones", "mobilePhone", "emailAddresses", "businessAddress", "homeAddress", "categories", "personalNotes", "lastModifiedDateTime"] as const;

export interface FakeGraph {
  /** Stands for https://graph.microsoft.com: what baseUrl points at. */
  url: string;
  /** The tenant's token endpoint. */
  tokenUrl: string;
  server: RestServer;
  faults: Faults;
  tokens: Tokens;
  contacts(): GraphContact[];
  /** The immutable id of person `index`'s contact. */
  idOf(index: number): string;
  update(id: string, changes: Partial<Omit<GraphContact, "restId" | "immutableId">>): void;
  remove(id: string): void;
  /** Replaces every contact with these people's, and forgets faults, tokens and requests. */
  reset(list: Person[]): void;
  tokenRequests(): RestRequestSeen[];
  apiRequests(): RestRequestSeen[];
  close(): Promise<void>;
}

export interface FakeGraphOptions extends ClientCredentials {
  tenantId: string;
  /** The mailbox's user principal name. */
  mailbox: string;
}

export async function startFakeGraph(options: FakeGraphOptions, initial: Person[] = people(10)): Promise<FakeGraph> {
  const faults = new Faults();
  let tokens = newTokens();
  let contacts = new Map<string, GraphContact>();
  const tokenPath = `/${options.tenantId}/oauth2/v2.0/token`;
  const isToken = (request: RestRequestSeen) => request.url.pathname.endsWith("/oauth2/v2.0/token");
  const server = await startRestServer((request) => (isToken(request) ? tokenAnswer(request, options, tokens) : apiAnswer(request)));

  function apiAnswer(request: RestRequestSeen): RestReply {
    const fault = faults.next();
    if (fault?.kind === "expireTokens") tokens.expireAll();
    const state = tokens.state(bearerOf(request));
    if (state !== "valid") {
      const message = request.headers.authorization === undefined ? "Access token is empty." : state === "expired" ? "Lifetime validation failed, the token is expired." : "IDX14100: JWT is not well formed, there are no dots (.).";
      return { status: 401, headers: { "www-authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"' }, json: graphError("InvalidAuthenticationToken", message) };
    }
    if (fault?.kind === "throttle") return { status: 429, headers: { "retry-after": String(fault.retryAfterS) }, json: graphError("ApplicationThrottled", "Application is over its MailboxConcurrency limit.") };
    if (fault?.kind === "error") return { status: fault.status, json: graphError(fault.status === 503 ? "ServiceNotAvailable" : "UnknownError", "") };
    const reply = route(request);
    if (fault?.kind === "slow") return { ...reply, delayMs: fault.delayMs };
    if (fault?.kind === "brokenJson") return { ...reply, raw: brokenJson(reply.json) };
    return reply;
  }

  function route(request: RestRequestSeen): RestReply {
    const match = /^\/v1\.0\/users\/([^/]+)\/contacts$/.exec(request.url.pathname);
    if (request.method !== "GET" || !match?.[1]) return { status: 400, json: graphError("BadRequest", `Resource not found for the segment '${request.url.pathname.split("/").pop() ?? ""}'.`) };
    const user = decodeURIComponent(match[1]);
    if (user.toLowerCase() !== options.mailbox.toLowerCase()) return { status: 404, json: graphError("ErrorInvalidUser", `The requested user '${user}' is invalid.`) };
    const query = request.url.searchParams;
    const unknown = [...query.keys()].find((key) => !["$top", "$skip", "$select"].includes(key));
    if (unknown) return { status: 400, json: graphError("BadRequest", `the fake tenant does not model the query option '${unknown}': add it to test/helpers/crm-apis/graph.ts`) };
    const select = (query.get("$select") ?? SELECTABLE.join(",")).split(",").map((name) => name.trim());
    const wrong = select.find((name) => !(SELECTABLE as readonly string[]).includes(name));
    if (wrong !== undefined) return { status: 400, json: graphError("RequestBroker--ParseUri", `Could not find a property named '${wrong}' on type 'microsoft.graph.contact'.`) };
    const top = Math.min(1000, Math.max(1, Number(query.get("$top") ?? 10)));
    const skip = Number(query.get("$skip") ?? 0);
    const immutable = /IdType\s*=\s*"?ImmutableId"?/i.test(String(request.headers["prefer"] ?? ""));
    const all = [...contacts.values()];
    const value = all.slice(skip, skip + top).map((contact) => project(contact, select, immutable));
    const next = new URL(`${server.url}/v1.0/users/${encodeURIComponent(user)}/contacts`);
    next.search = new URLSearchParams({ $top: String(top), $select: select.join(","), $skip: String(skip + top) }).toString();
    return {
      headers: immutable ? { "preference-applied": 'IdType="ImmutableId"' } : {},
      json: {
        "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users('${encodeURIComponent(user)}')/contacts(${select.join(",")})`,
        value,
        ...(skip + top < all.length ? { "@odata.nextLink": next.toString() } : {}),
      },
    };
  }

  const tenant: FakeGraph = {
    get url() {
      return server.url;
    },
    get tokenUrl() {
      return `${server.url}${tokenPath}`;
    },
    server,
    faults,
    get tokens() {
      return tokens;
    },
    contacts: () => [...contacts.values()],
    idOf: (index) => ids(index).immutableId,
    update(id, changes) {
      const contact = contacts.get(id);
      if (!contact) throw new Error(`no contact ${id}`);
      contacts.set(id, { ...contact, ...changes, lastModifiedDateTime: new Date().toISOString() });
    },
    remove(id) {
      if (!contacts.delete(id)) throw new Error(`no contact ${id}`);
    },
    reset(list) {
      contacts = new Map(list.map((person) => [ids(person.index).immutableId, contactOf(person)]));
      faults.clear();
      tokens = newTokens();
      server.requests.length = 0;
    },
    tokenRequests: () => server.requests.filter(isToken),
    apiRequests: () => server.requests.filter((r) => !isToken(r)),
    close: () => server.close(),
  };
  tenant.reset(initial);
  return tenant;
}

/** POST /{tenant}/oauth2/v2.0/token: client_id, client_secret, scope=https://graph.microsoft.com/.default. */
function tokenAnswer(request: RestRequestSeen, options: FakeGraphOptions, tokens: Tokens): RestReply {
  const tenant = request.url.pathname.split("/")[1] ?? "";
  if (request.method !== "POST") return { status: 405, json: aadError("invalid_request", "AADSTS900561: The endpoint only accepts POST requests.", 900561) };
  if (tenant !== options.tenantId) return { status: 400, json: aadError("invalid_tenant", `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, 90002) };
  const { form, clientId, clientSecret } = credentialsOf(request);
  if (form.get("grant_type") !== "client_credentials") return { status: 400, json: aadError("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", 70003) };
  if (clientId !== options.clientId) return { status: 400, json: aadError("unauthorized_client", `AADSTS700016: Application with identifier '${clientId ?? ""}' was not found in the directory.`, 700016) };
  if (clientSecret !== options.clientSecret) return { status: 401, json: aadError("invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.", 7000215) };
  if (form.get("scope") !== GRAPH_SCOPE) return { status: 400, json: aadError("invalid_scope", `AADSTS1002012: The provided value for scope ${form.get("scope") ?? ""} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, 1002012) };
  return { json: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: tokens.issue() } };
}

function newTokens(): Tokens {
  // A JWT's shape: three base64url parts.
  const part = (length: number) => randomText(length, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
  return new Tokens(() => `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ${part(300)}.${part(342)}`);
}

function graphError(code: string, message: string): unknown {
  const now = new Date().toISOString().slice(0, 19);
  return { error: { code, message, innerError: { date: now, "request-id": randomUuid(), "client-request-id": randomUuid() } } };
}

function aadError(error: string, description: string, code: number): unknown {
  const trace = randomUuid();
  return { error, error_description: `${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${randomUuid()}\r\nTimestamp: ${new Date().toISOString()}`, error_codes: [code], timestamp: new Date().toISOString(), trace_id: trace, correlation_id: randomUuid() };
}

function randomUuid(): string {
  const hex = randomText(32, "0123456789abcdef");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A contact in the listing: id (immutable or not), @odata.etag and the selected properties. */
function project(contact: GraphContact, select: string[], immutable: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { "@odata.etag": `W/"EQAAABYAAAD${randomText(20)}"`, id: immutable ? contact.immutableId : contact.restId };
  for (const name of select) if (name !== "id") out[name] = contact[name as Exclude<(typeof SELECTABLE)[number], "id">];
  return out;
}

function ids(index: number): { restId: string; immutableId: string } {
  const tail = Buffer.from(`contact-${String(index).padStart(6, "0")}`).toString("base64").replace(/=+$/, "");
  return { restId: `AAMkAGI2NGVhZTVlLTI1OGMtNDI4My1iZmE5LTA5OGJiZGEzMzgxNwBGAAAAAAD${tail}AAA=`, immutableId: `AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A${tail}AAA=` };
}

function contactOf(person: Person): GraphContact {
  const names = [person.firstName, person.lastName].filter((part) => part !== null).join(" ");
  // Some contacts have a second business or home number; some carry categories.
  const secondOffice = person.office && person.index % 10 === 0 ? [phone(person.country.code, "office", person.index + 1000).typed] : [];
  return {
    ...ids(person.index),
    displayName: names || person.company,
    givenName: person.firstName,
    middleName: null,
    surname: person.lastName,
    companyName: person.company,
    department: person.department,
    jobTitle: person.title,
    businessPhones: person.office ? [person.office.typed, ...secondOffice] : [],
    homePhones: person.home ? [person.home.typed] : [],
    mobilePhone: person.mobile?.typed ?? null,
    emailAddresses: person.email ? [{ name: names, address: person.email }] : [],
    businessAddress: person.index % 6 === 1 ? {} : { city: "Somewhere", countryOrRegion: person.country.name },
    homeAddress: person.index % 6 === 1 ? { countryOrRegion: person.country.name } : {},
    categories: person.index % 4 === 0 ? ["Customers"] : person.index % 4 === 1 ? ["Suppliers", "VIP"] : [],
    personalNotes: null,
    lastModifiedDateTime: "2025-03-01T09:00:00Z",
  };
}
