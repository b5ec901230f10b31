// How politely the REST source asks: Retry-After on 429 and 503, retries of passing failures and not of lasting
// ones, the timeout, the request rate, a dead server, and a read cancelled half-way.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { restConfigSchema, restConnector, type RestConfig } from "../../connectors/rest.js";
import type { ReadOptions, SourceItem } from "../../connectors/types.js";
import { createLogger } from "../../src/logger.js";
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
});

const ALL = contacts(25);

function config(extra: Record<string, unknown> = {}): RestConfig {
  return restConfigSchema.parse({
    type: "rest",
    baseUrl: api.url,
    path: "/contacts",
    records: "results",
    id: "id",
    paging: { type: "page", size: 10 },
    ...extra,
    retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 10, ...(extra["retry"] as object | undefined) },
  });
}

/** Twenty-five contacts, ten a page (the third is short: the end); `trouble` answers instead for the requests it picks. */
function route(trouble: (request: RestRequestSeen, page: number) => RestReply | undefined = () => undefined): (request: RestRequestSeen) => RestReply {
  return (request) => {
    const page = Number(request.url.searchParams.get("page"));
    return trouble(request, page) ?? { json: { results: ALL.slice((page - 1) * 10, page * 10) } };
  };
}

/** The first `times` requests for `page` get `reply`; the rest are answered. */
function failing(page: number, times: number, reply: () => RestReply): (request: RestRequestSeen, page: number) => RestReply | undefined {
  let left = times;
  return (_request, at) => {
    if (at !== page || left === 0) return undefined;
    left--;
    return reply();
  };
}

async function readAll(source: RestConfig, options: ReadOptions = {}, logger = createLogger({ destination: new Collector() })): Promise<SourceItem[]> {
  const handle = await restConnector.open(source, { baseDir: "/", logger });
  try {
    const items: SourceItem[] = [];
    for await (const item of handle.read(options)) items.push(item);
    return items;
  } finally {
    await handle.close();
  }
}

const pages = () => api.requests.map((request) => request.url.searchParams.get("page"));
/** Milliseconds between the arrival of request `index` and the one before it. */
const gapBefore = (index: number) => (api.requests[index]?.at ?? Number.NaN) - (api.requests[index - 1]?.at ?? Number.NaN);

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the condition never came true");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("REST Retry-After", () => {
  it("waits the second a 429 asks for mid-read, then reads on to the end", async () => {
    api.handle(route(failing(2, 1, () => ({ status: 429, headers: { "retry-after": "1" }, json: { message: "slow down" } }))));
    expect(await readAll(config())).toHaveLength(25);
    expect(pages()).toEqual(["1", "2", "2", "3"]);
    expect(gapBefore(2)).toBeGreaterThanOrEqual(900);
  });

  it("waits until the HTTP date a 503 names", async () => {
    const at = new Date(Date.now() + 2_000).toUTCString();
    api.handle(route(failing(1, 1, () => ({ status: 503, headers: { "retry-after": at }, raw: "maintenance" }))));
    expect(await readAll(config())).toHaveLength(25);
    expect(pages()).toEqual(["1", "1", "2", "3"]);
    // Not before the date named (a few ms for the clocks' granularity).
    expect(api.requests[1]?.at).toBeGreaterThanOrEqual(Date.parse(at) - 5);
  });

  it("fails at once, saying so, when the wait asked for is longer than retry.maxRetryAfterMs", async () => {
    api.handle(route(failing(2, 1, () => ({ status: 429, headers: { "retry-after": "120" }, json: { message: "daily quota" } }))));
    const error = await failure(readAll(config({ retry: { maxRetryAfterMs: 60_000 } })));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/page 2: GET http:\/\/127\.0\.0\.1:\d+\/contacts\?page=2&per_page=10: HTTP 429: \{"message":"daily quota"\}/);
    expect(error.hint).toMatch(/120 s.*maxRetryAfterMs/);
    expect(pages()).toEqual(["1", "2"]);
  });
});

describe("REST retries", () => {
  it("reads on past a 500 that passes after two tries", async () => {
    api.handle(route(failing(3, 2, () => ({ status: 500, raw: "<html>Internal Server Error</html>" }))));
    expect(await readAll(config())).toHaveLength(25);
    expect(pages()).toEqual(["1", "2", "3", "3", "3"]);
  });

  it("fails SOURCE_REST naming the URL and the status after exactly retry.attempts requests of a lasting 500", async () => {
    api.handle(route(failing(2, 100, () => ({ status: 500, json: { error: "database down" } }))));
    const error = await failure(readAll(config({ retry: { attempts: 4 } })));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.status).toBe(500);
    expect(error.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/contacts\?page=2&per_page=10: HTTP 500: \{"error":"database down"\}/);
    expect(pages()).toEqual(["1", "2", "2", "2", "2"]);
  });

  it("does not retry a 404, and hints at the path", async () => {
    api.handle(() => ({ status: 404, json: { error: "no route" } }));
    const error = await failure(readAll(config()));
    expect(error.status).toBe(404);
    expect(error.hint).toMatch(/baseUrl and path/);
    expect(api.requests).toHaveLength(1);
  });

  it("fails 'no complete answer within' the timeout for a page slower than timeoutMs, after its retries", async () => {
    api.handle(route(failing(2, 100, () => ({ delayMs: 2_000, json: { results: [] } }))));
    const error = await failure(readAll(config({ timeoutMs: 300, retry: { attempts: 2 } })));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.message).toMatch(/page 2: GET http:\/\/127\.0\.0\.1:\d+\/contacts\?page=2&per_page=10: no complete answer within 300 ms/);
    expect(pages()).toEqual(["1", "2", "2"]);
  });

  it("retries a server that is gone, then fails naming the connection error", async () => {
    const gone = await startRestServer();
    const url = gone.url;
    await gone.close();
    const log = new Collector();
    const error = await failure(readAll(config({ baseUrl: url, retry: { attempts: 3 } }), {}, createLogger({ destination: log, level: "warn" })));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.message).toMatch(/page 1: GET http:\/\/127\.0\.0\.1:\d+\/contacts\?page=1&per_page=10: ECONNREFUSED/);
    const retries = log.text.split("\n").filter((line) => line.includes("REST request failed, retrying"));
    expect(retries).toHaveLength(2);
  });
});

describe("REST request rate", () => {
  it("spaces requests 1/rateLimit seconds apart", async () => {
    api.handle(route());
    expect(await readAll(config({ rateLimit: 5 }))).toHaveLength(25);
    expect(api.requests).toHaveLength(3);
    // 200 ms between sends; arrivals may come a little closer when one request spent longer on its way (a new
    // connection). Without the limit they come a few ms apart.
    for (const index of [1, 2]) expect(gapBefore(index)).toBeGreaterThanOrEqual(150);
  });
});

describe("REST read cancelled", () => {
  it("stops with SOURCE_READ_FAILED 'cancelled' while a page is on its way, and sends nothing more", async () => {
    api.handle(route((_request, page) => (page === 2 ? { delayMs: 3_000, json: { results: ALL.slice(10, 20) } } : undefined)));
    const controller = new AbortController();
    const reading = readAll(config(), { signal: controller.signal });
    await waitFor(() => api.requests.length === 2);
    controller.abort();
    const error = await failure(reading);
    expect(error.code).toBe("SOURCE_READ_FAILED");
    expect(error.message).toMatch(/page 2: GET .*: cancelled$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pages()).toEqual(["1", "2"]);
  });

  it("stops while it waits out a Retry-After, without the retry", async () => {
    api.handle(route(failing(2, 1, () => ({ status: 429, headers: { "retry-after": "30" }, json: {} }))));
    const controller = new AbortController();
    const reading = readAll(config(), { signal: controller.signal });
    await waitFor(() => api.requests.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    const error = await failure(reading);
    expect(error.code).toBe("SOURCE_READ_FAILED");
    expect(error.message).toMatch(/cancelled/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pages()).toEqual(["1", "2"]);
  });
});
