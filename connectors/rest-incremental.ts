// Incremental REST reads: the changed-records request with `{{since}}` filled in, and the newest modification time
// seen, which becomes the next run's watermark.
import { createHash } from "node:crypto";
import { SyncError } from "../src/errors.js";
import { mainListing, type RestConfig, type RestRequest } from "./rest-config.js";
import { getter } from "./rest-paging.js";

/** The incremental request with `{{since}}` filled in (in its path, query and body strings). */
export function changedListing(config: RestConfig, since: string): RestRequest {
  const incremental = config.incremental;
  if (!incremental) return mainListing(config);
  const written = formatSince(since, incremental.format);
  const fill = <T>(value: T): T => substitute(value, written);
  const changed = incremental.changed;
  return {
    method: changed.method,
    path: fill(changed.path),
    query: fill(changed.query),
    body: fill(changed.body),
    records: changed.records,
    paging: changed.paging ?? config.paging,
  };
}

function substitute<T>(value: T, since: string): T {
  if (typeof value === "string") return value.replaceAll("{{since}}", since) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => substitute(item, since)) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, since)])) as T;
  return value;
}

function formatSince(since: string, format: "iso" | "epochMs" | "epochS"): string {
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new SyncError("SOURCE_REST", `the stored watermark "${since}" is not a time; run once with --full`);
  if (format === "epochMs") return String(ms);
  if (format === "epochS") return String(Math.floor(ms / 1000));
  return new Date(ms).toISOString();
}

/** The newest last-modified time among the records read: where the next incremental read starts. */
export class Newest {
  private newest = Number.NEGATIVE_INFINITY;
  private readonly get: ((record: unknown) => unknown) | undefined;

  constructor(field: string | undefined) {
    this.get = field === undefined ? undefined : getter(field);
  }

  see(record: unknown): void {
    if (!this.get) return;
    const ms = timeOf(this.get(record));
    if (ms !== undefined && ms > this.newest) this.newest = ms;
  }

  /** As ISO text (the store's watermark), whatever `{{since}}` format the API takes. */
  value(): string | undefined {
    return Number.isFinite(this.newest) ? new Date(this.newest).toISOString() : undefined;
  }
}

/** A modification time as epoch ms: ISO text, or epoch milliseconds/seconds as a number or digits. */
function timeOf(value: unknown): number | undefined {
  if (typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))) {
    const n = Number(value);
    // Seconds until the year 5138; milliseconds after 1973.
    return n < 1e11 ? n * 1000 : n;
  }
  if (typeof value !== "string" || value === "") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** What identifies the listing for the watermark: another URL or query starts over with a full read. */
export function identityOf(config: RestConfig): string {
  return createHash("sha1").update(JSON.stringify([config.baseUrl, config.path, config.query, config.body ?? null, config.incremental?.changed ?? null])).digest("hex");
}
