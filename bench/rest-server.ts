// The REST rows' API, run as a process of its own (`node rest-server.js DIR`): serves the pages bench/rest-pages.ts
// wrote into DIR with cursor paging, GET /whole/contacts?limit=1000&after=K and /edited/..., on loopback port 0.
// The pages are written before the clock starts, so the API answers from the page cache and costs the measured
// sync no more than a fast CRM would. It exits when its stdin closes (the benchmark ended, or died).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { open, readFile, type FileHandle } from "node:fs/promises";
import { indexFile, pagesFile, REST_VARIANTS, type RestPageIndex, type RestVariant } from "./rest-pages.js";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: rest-server.js DIR (the directory bench/rest-pages.ts wrote)");

interface Variant {
  index: RestPageIndex;
  file: FileHandle;
}

const variants = new Map<string, Variant>();
for (const name of REST_VARIANTS) {
  const index = JSON.parse(await readFile(indexFile(dir, name), "utf8")) as RestPageIndex;
  variants.set(name, { index, file: await open(pagesFile(dir, name), "r") });
}
let requests = 0;

function reply(res: http.ServerResponse, status: number, body: string | Buffer): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function page(variant: Variant, url: URL, res: http.ServerResponse): Promise<void> {
  const { index, file } = variant;
  const limit = url.searchParams.get("limit");
  if (limit !== String(index.pageSize)) return reply(res, 400, JSON.stringify({ error: `limit must be ${index.pageSize}, got ${limit}` }));
  const after = url.searchParams.get("after");
  const number = after === null ? 0 : Number(after);
  const at = index.pages[number];
  if (!Number.isInteger(number) || at === undefined) return reply(res, 400, JSON.stringify({ error: `unknown cursor ${after}` }));
  const [offset, length] = at;
  const body = Buffer.allocUnsafe(length);
  const { bytesRead } = await file.read(body, 0, length, offset);
  if (bytesRead !== length) return reply(res, 500, JSON.stringify({ error: `short read of page ${number}` }));
  reply(res, 200, body);
}

const server = http.createServer((req, res) => {
  requests++;
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname === "/__usage") {
    const { user, system } = process.cpuUsage();
    return reply(res, 200, JSON.stringify({ cpuMicros: user + system, requests }));
  }
  const match = /^\/(\w+)\/contacts$/.exec(url.pathname);
  const variant = match?.[1] === undefined ? undefined : variants.get(match[1] as RestVariant);
  if (req.method !== "GET" || !variant) return reply(res, 404, JSON.stringify({ error: `no route ${req.method} ${url.pathname}` }));
  page(variant, url, res).catch((err: unknown) => reply(res, 500, JSON.stringify({ error: String(err) })));
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`rest server listening on http://127.0.0.1:${port}\n`);
});

const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.stdin.on("end", stop);
process.stdin.resume();
process.once("SIGTERM", stop);
