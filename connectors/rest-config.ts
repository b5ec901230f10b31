// The REST source's configuration: which requests (URL, query, headers, JSON body), where the records are, how to
// page, how to log in, how politely to ask. A CRM preset's `source:` block gives most of it.
import { z } from "zod";

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** A path into a JSON answer: `results`, `data.items`, `paging.next.after`, `@odata.nextLink` (see docs/mapping.md). */
const jsonPath = z.string().min(1);

const paging = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  /** page=1,2,3...: stops on a short or empty page, or when `total`/`totalPages` says so. */
  z.strictObject({
    type: z.literal("page"),
    param: z.string().min(1).default("page"),
    sizeParam: z.string().min(1).default("per_page"),
    size: z.number().int().min(1).max(10_000).default(100),
    start: z.number().int().min(0).default(1),
    /** Path of the total number of records in an answer, when the API gives it. */
    total: jsonPath.optional(),
    totalPages: jsonPath.optional(),
  }),
  /** offset=0,100,200...: stops on a short or empty page, when `more` is false, or at `total`. */
  z.strictObject({
    type: z.literal("offset"),
    param: z.string().min(1).default("offset"),
    limitParam: z.string().min(1).default("limit"),
    size: z.number().int().min(1).max(10_000).default(100),
    start: z.number().int().min(0).default(0),
    /** Path of a flag "more records follow" (Pipedrive: additional_data.pagination.more_items_in_collection). */
    more: jsonPath.optional(),
    /** Path of the next offset, when the API says it (Pipedrive: additional_data.pagination.next_start). */
    next: jsonPath.optional(),
    total: jsonPath.optional(),
  }),
  /** A cursor from each answer (`from`) sent back as `param`, in the query or the JSON body; stops when absent. */
  z.strictObject({
    type: z.literal("cursor"),
    param: z.string().min(1),
    from: jsonPath,
    in: z.enum(["query", "body"]).optional(),
  }),
  /** The next page's URL in the answer (Salesforce nextRecordsUrl, Graph @odata.nextLink); relative ones resolve against baseUrl. */
  z.strictObject({ type: z.literal("nextUrl"), from: jsonPath }),
  /** The next page's URL in the `Link: <...>; rel="next"` header (GitHub, json-server). */
  z.strictObject({ type: z.literal("link") }),
], { error: (issue) => (issue.code === "invalid_union" ? "use none, page, offset, cursor, nextUrl or link" : undefined) });

/** Secrets: write ${NAME} and export the variable. */
const secret = z.string().min(1).describe("secret");

const auth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  z.strictObject({ type: z.literal("bearer"), token: secret }),
  z.strictObject({ type: z.literal("basic"), username: z.string().min(1), password: secret }),
  z.strictObject({ type: z.literal("apiKey"), in: z.enum(["header", "query"]).default("header"), name: z.string().min(1), value: secret }),
  /** OAuth2 client credentials: the token is fetched once per process and lifetime, refreshed before expiry and once on a 401. */
  z.strictObject({
    type: z.literal("oauth2"),
    tokenUrl: z.url({ message: "the token endpoint's full URL" }),
    clientId: z.string().min(1),
    clientSecret: secret,
    scope: z.string().optional(),
    /** Further form fields of the token request (audience, resource...). */
    params: z.record(z.string(), z.string()).default({}),
    /** How the client authenticates: form fields (default) or an HTTP Basic header. */
    clientAuth: z.enum(["body", "basic"]).default("body"),
  }),
], { error: (issue) => (issue.code === "invalid_union" ? "use none, bearer, basic, apiKey or oauth2" : undefined) });

/** One request: the main listing, a join, an incremental listing. Paths resolve against baseUrl. */
const request = {
  method: z.enum(["GET", "POST"]).default("GET"),
  path: z.string().default(""),
  query: z.record(z.string(), scalar).default({}),
  /** JSON body of a POST (search and query endpoints). */
  body: z.record(z.string(), z.unknown()).optional(),
  /** Where the records are in an answer: `results`, `data.items`, `value`; empty for an answer that is the array itself. */
  records: z.string().default(""),
};

/**
 * A second request per page that fetches related records by the ids the page's records name, and puts each
 * match into its record at `into` (HubSpot: the associated company's name).
 */
const join = z.strictObject({
  into: z.string().min(1).regex(/^[A-Za-z_$][\w$-]*$/, { message: "a plain key: the joined record is put there" }),
  /** Path of the related id in a record: `associations.companies.results[0].id`. */
  ids: jsonPath,
  ...request,
  /** How the ids are sent: a query parameter (comma-separated), or a JSON body field of strings or `{id}` objects. */
  idsParam: z.string().optional(),
  idsField: z.string().optional(),
  idsAs: z.enum(["strings", "objects"]).default("objects"),
  /** Path of the id in a related record. */
  key: jsonPath.default("id"),
  batchSize: z.number().int().min(1).max(1000).default(100),
});

const incremental = z.strictObject({
  /** Path of a record's last-modified time (ISO text or epoch milliseconds/seconds): the newest becomes the watermark. */
  field: jsonPath,
  /** How the watermark is written into `{{since}}`: ISO text (default), epoch milliseconds or seconds. */
  format: z.enum(["iso", "epochMs", "epochS"]).default("iso"),
  /** The request for records changed since the watermark: its strings may hold `{{since}}`. */
  changed: z.strictObject({ ...request, paging: paging.optional() }),
  /** A cheap listing of every record's id, so that unchanged records keep their contacts. */
  keys: z.strictObject({ ...request, paging: paging.optional() }),
});

export const restConfigSchema = z
  .strictObject({
    type: z.literal("rest"),
    baseUrl: z.url({ message: "the API's base URL, as https://api.example.com" }),
    ...request,
    headers: z.record(z.string(), z.string()).default({}),
    /** Path of a record's id: the report's `ref` ("id 42"), the incremental key; else "page 3 item 7". */
    id: jsonPath.optional(),
    paging: paging.default({ type: "none" }),
    auth: auth.default({ type: "none" }),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** PEM file of a private CA, relative to the configuration file; added to the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** An HTTP(S) proxy URL; default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment. */
    proxy: z.string().optional(),
    /** Requests per second at most (logins and joins included). */
    rateLimit: z.number().positive().max(1000).optional(),
    retry: z
      .strictObject({
        attempts: z.number().int().min(1).max(20).default(5),
        minDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: z.number().int().min(0).default(30_000),
        /** The longest Retry-After the source waits for; a longer one fails the read. */
        maxRetryAfterMs: z.number().int().min(0).default(300_000),
      })
      .default({ attempts: 5, minDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 }),
    /** A stop for paging that never ends: at most this many pages per listing. */
    maxPages: z.number().int().min(1).default(100_000),
    join: z.array(join).default([]),
    incremental: incremental.optional(),
  })
  .refine((config) => config.incremental === undefined || config.id !== undefined, {
    message: "incremental needs id: the path of a record's id, which the key listing gives and the mapping's externalId reads",
    path: ["id"],
  })
  .describe("REST source");

export type RestConfig = z.infer<typeof restConfigSchema>;
export type RestPaging = RestConfig["paging"];
export type RestAuth = RestConfig["auth"];
export type RestJoin = RestConfig["join"][number];
/** What one listing sends and where its records are. */
export interface RestRequest {
  method: "GET" | "POST";
  path: string;
  query: Record<string, string | number | boolean>;
  body?: Record<string, unknown> | undefined;
  records: string;
  paging: RestPaging;
}

/** The source's own listing: its request, records path and paging. */
export function mainListing(config: RestConfig): RestRequest {
  return { method: config.method, path: config.path, query: config.query, body: config.body, records: config.records, paging: config.paging };
}

/** The secrets of a config: tokens, passwords, API keys, the OAuth client secret. */
export function restSecrets(config: RestConfig): string[] {
  const { auth } = config;
  if (auth.type === "bearer") return [auth.token];
  if (auth.type === "basic") return [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString("base64")];
  if (auth.type === "apiKey") return [auth.value];
  if (auth.type === "oauth2") return [auth.clientSecret, Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString("base64")];
  return [];
}

/** "GET https://api.hubapi.com/crm/v3/objects/contacts": for messages (no query string, so no secret). */
export function describeRestSource(config: RestConfig): string {
  return `${config.method} ${new URL(config.path, withSlash(config.baseUrl)).toString()}`;
}

/** The base URL with a trailing slash, so that a relative path keeps the base's own path. */
export function withSlash(baseUrl: string): string {
  return baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
}
