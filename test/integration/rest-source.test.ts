// The REST connector against a local JSON API: each paging style, the record path, loops, and the fields check() sees.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { restConfigSchema, restConnector, type RestConfig } from "../../connectors/rest.js";
import type { SourceItem } from "../../connectors/types.js";
import { compileMapping, parseMapping } from "../../src/mapping/index.js";
import { contacts, startRestServer, type RestServer } from "../helpers/rest-server.js";
import { failure } from "../helpers/failure.js";

let api: RestServer;
beforeAll(async () => {
  api = await startRestServer();
});
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
});

const ctx = { baseDir: "/" };

function config(extra: Record<string, unknown>): RestConfig {
  return restConfigSchema.parse({ type: "rest", baseUrl: api.url, retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 10 }, ...extra });
}

async function readAll(source: RestConfig): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of restConnector.read(source, ctx)) items.push(item);
  return items;
}

const ALL = contacts(250);
const ids = (items: SourceItem[]) => items.map((item) => (item.kind === "record" ? (item.fields as { id: number }).id : item.kind));

describe("REST paging", () => {
  it("pages by number until a short page, with the page's records at a nested path", async () => {
    api.handle(({ url }) => {
      const page = Number(url.searchParams.get("page"));
      const size = Number(url.searchParams.get("per_page"));
      return { json: { data: { items: ALL.slice((page - 1) * size, page * size) } } };
    });
    const items = await readAll(config({ path: "/contacts", records: "data.items", id: "id", paging: { type: "page", size: 100 } }));
    expect(ids(items)).toEqual(ALL.map((c) => c.id));
    expect(api.requests.map((r) => r.url.searchParams.get("page"))).toEqual(["1", "2", "3"]);
    expect(items[0]?.kind === "record" && items[0].ref).toBe("id 1");
  });

  it("stops page numbers at the total the API gives, without asking for an empty page", async () => {
    const some = ALL.slice(0, 200);
    api.handle(({ url }) => {
      const page = Number(url.searchParams.get("p"));
      return { json: { total: 200, results: some.slice((page - 1) * 100, page * 100) } };
    });
    const items = await readAll(config({ records: "results", paging: { type: "page", param: "p", sizeParam: "n", size: 100, total: "total" } }));
    expect(items).toHaveLength(200);
    expect(api.requests).toHaveLength(2);
    expect(items[150]?.kind === "record" && items[150].ref).toBe("page 2 item 51");
  });

  it("pages by offset with the API's own next offset and more-items flag (Pipedrive)", async () => {
    api.handle(({ url }) => {
      const start = Number(url.searchParams.get("start"));
      const limit = Number(url.searchParams.get("limit"));
      const data = ALL.slice(start, start + limit);
      const more = start + limit < ALL.length;
      return { json: { success: true, data, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } } } };
    });
    const items = await readAll(
      config({ records: "data", paging: { type: "offset", param: "start", limitParam: "limit", size: 100, more: "additional_data.pagination.more_items_in_collection", next: "additional_data.pagination.next_start" } }),
    );
    expect(ids(items)).toEqual(ALL.map((c) => c.id));
    expect(api.requests.map((r) => r.url.searchParams.get("start"))).toEqual(["0", "100", "200"]);
  });

  it("follows a cursor in the answer, sent back in the query (GET) or the JSON body (POST)", async () => {
    const handler = (after: number) => {
      const page = ALL.slice(after, after + 100);
      return { json: { results: page, ...(after + 100 < ALL.length ? { paging: { next: { after: String(after + 100) } } } : {}) } };
    };
    api.handle(({ url }) => handler(Number(url.searchParams.get("after") ?? 0)));
    expect(ids(await readAll(config({ records: "results", query: { limit: 100 }, paging: { type: "cursor", param: "after", from: "paging.next.after" } })))).toEqual(ALL.map((c) => c.id));
    api.requests.length = 0;
    api.handle(({ body }) => handler(Number((JSON.parse(body) as { after?: string }).after ?? 0)));
    const posted = await readAll(config({ method: "POST", path: "/search", body: { limit: 100 }, records: "results", paging: { type: "cursor", param: "after", from: "paging.next.after" } }));
    expect(posted).toHaveLength(250);
    expect(api.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ limit: 100 }, { limit: 100, after: "100" }, { limit: 100, after: "200" }]);
  });

  it("follows next URLs in the body, relative (Salesforce) and absolute with an @ key (Graph)", async () => {
    api.handle(({ url }) => {
      const at = Number(url.pathname.split("/").pop());
      const next = at + 100 < ALL.length ? `/services/data/v60.0/query/${at + 100}` : undefined;
      return { json: { done: next === undefined, records: ALL.slice(at, at + 100), ...(next ? { nextRecordsUrl: next } : {}) } };
    });
    expect(await readAll(config({ path: "/services/data/v60.0/query/0", records: "records", paging: { type: "nextUrl", from: "nextRecordsUrl" } }))).toHaveLength(250);
    api.handle(({ url }) => {
      const skip = Number(url.searchParams.get("$skip") ?? 0);
      const next = skip + 100 < ALL.length ? `${api.url}/v1.0/contacts?$skip=${skip + 100}` : undefined;
      return { json: { value: ALL.slice(skip, skip + 100), ...(next ? { "@odata.nextLink": next } : {}) } };
    });
    expect(ids(await readAll(config({ path: "/v1.0/contacts", records: "value", paging: { type: "nextUrl", from: "@odata.nextLink" } })))).toEqual(ALL.map((c) => c.id));
  });

  it("follows the Link header's rel=next", async () => {
    api.handle(({ url }) => {
      const page = Number(url.searchParams.get("_page") ?? 1);
      const links = [`<${api.url}/contacts?_page=1>; rel="first"`];
      if (page * 100 < ALL.length) links.push(`<${api.url}/contacts?_page=${page + 1}>; rel="next"`);
      return { json: ALL.slice((page - 1) * 100, page * 100), headers: { link: links.join(", ") } };
    });
    expect(await readAll(config({ path: "/contacts", paging: { type: "link" } }))).toHaveLength(250);
  });
});

describe("REST answers that must stop the read", () => {
  it("stops on a cursor handed out twice", async () => {
    api.handle(() => ({ json: { results: ALL.slice(0, 10), paging: { next: { after: "same" } } } }));
    const error = await failure(readAll(config({ records: "results", paging: { type: "cursor", param: "after", from: "paging.next.after" } })));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.message).toMatch(/page 2 handed out the cursor "same" a second time/);
    expect(api.requests).toHaveLength(2);
  });

  it("stops when the API ignores the page parameter and returns page 1 again", async () => {
    api.handle(() => ({ json: ALL.slice(0, 100) }));
    const error = await failure(readAll(config({ paging: { type: "page", size: 100 } })));
    expect(error.message).toMatch(/page 2 .* holds the same records as page 1: the API ignores "page"/);
  });

  it("names the path that holds no records, and what the answer has instead", async () => {
    api.handle(() => ({ json: { items: [], paging: {} } }));
    const error = await failure(readAll(config({ path: "/contacts", records: "results" })));
    expect(error.message).toMatch(/page 1 \(http:\/\/127\.0\.0\.1:\d+\/contacts\): no array of records at "results"; it has "items", "paging"/);
  });

  it("fails on an answer that is not JSON, quoting its start", async () => {
    api.handle(() => ({ raw: "<html><body>Login</body></html>", headers: { "content-type": "text/html" } }));
    const error = await failure(readAll(config({ path: "/contacts" })));
    expect(error.message).toMatch(/is not JSON: .*it starts "<html><body>Login/);
    expect(error.status).toBe(200);
  });
});

describe("REST check()", () => {
  it("reports the shape paths of the first page's records, nested ones included", async () => {
    api.handle(() => ({ json: { results: [{ id: "1", properties: { firstname: "Ada", phone: null }, phones: [{ label: "work", value: "1" }] }] } }));
    const checked = await restConnector.check(config({ records: "results" }), ctx);
    expect(checked.columns).toEqual(["id", "phones[].label", "phones[].value", "properties.firstname", "properties.phone"]);
    expect(api.requests).toHaveLength(1);
  });

  it("lets the mapping name a field no record has be refused with the nearest path, before any work", async () => {
    api.handle(() => ({ json: { results: [{ id: "1", properties: { firstname: "Ada", lastname: "Lovelace" }, phones: [{ label: "work", value: "02 1234567" }] }] } }));
    const { columns } = await restConnector.check(config({ records: "results" }), ctx);
    const mapping = parseMapping(
      "version: 1\nexternalId: id\ndefaultCountry: IT\nfields:\n  name: { from: properties.fristname }\n  surname: { from: properties.lastname }\nnumbers:\n  numoffice: { from: \"phones[?label=work].value\" }\n",
      "/srv/mappings/crm.yaml",
    );
    const compile = () => compileMapping(mapping, { appName: "CRM", ...(columns ? { columns } : {}) });
    expect(compile).toThrow(/no field "properties\.fristname" in the source \(did you mean "properties\.firstname"\?\)/);
  });
});

describe("REST configuration", () => {
  it("names the paging and auth types it knows when given another", () => {
    const result = restConfigSchema.safeParse({ type: "rest", baseUrl: "https://api.example.com", paging: { type: "cursr" }, auth: { type: "token" } });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^paging(\.type)?: use none, page, offset, cursor, nextUrl or link$/), expect.stringMatching(/^auth(\.type)?: use none, bearer, basic, apiKey or oauth2$/)]));
  });

  it("needs id for incremental reads", () => {
    const incremental = { field: "updatedAt", changed: { path: "/changed" }, keys: { path: "/ids" } };
    const result = restConfigSchema.safeParse({ type: "rest", baseUrl: "https://api.example.com", incremental });
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["id"]);
  });
});
