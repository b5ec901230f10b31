// Baseline "parse-only" of a REST source: every page of the listing fetched with undici (the connector's client,
// one kept-alive connection) and parsed with JSON.parse, doing nothing per record. The floor of any sync of that API.
import { Agent, request } from "undici";

const listing = process.argv[2];
const limit = process.argv[3];
if (listing === undefined || limit === undefined) throw new Error("usage: rest-read-only.js LISTING_URL LIMIT");

interface Page {
  data: unknown[];
  paging: { next?: string };
}

const dispatcher = new Agent();
let rows = 0;
let after: string | undefined;
do {
  const url = new URL(listing);
  url.searchParams.set("limit", limit);
  if (after !== undefined) url.searchParams.set("after", after);
  const response = await request(url, { dispatcher, headers: { accept: "application/json" } });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${url.toString()}: HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
  const page = JSON.parse(text) as Page;
  rows += page.data.length;
  after = page.paging.next;
} while (after !== undefined);
await dispatcher.close();
process.stdout.write(`rows ${rows}\n`);
