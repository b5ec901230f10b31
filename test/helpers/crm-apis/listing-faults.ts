// Faults of the HubSpot and Pipedrive fakes, scheduled on the k-th request of the contact listing (joins not counted):
// throttling with Retry-After, server errors once or for good, a slow page, a page of broken JSON, a cursor handed out again.

export type ListingFault =
  /** 429 in the API's format, with `Retry-After: retryAfterS`. */
  | { kind: "throttle"; retryAfterS: number }
  /** 500 in the API's format. */
  | { kind: "error" }
  /** The normal page, after this long. */
  | { kind: "slow"; delayMs: number }
  /** 200 with the page's JSON cut off half-way. */
  | { kind: "brokenJson" }
  /** The normal page, whose next cursor is the one the request sent: the listing would go round forever. */
  | { kind: "repeatCursor" };

interface Scheduled {
  fault: ListingFault;
  from: number;
  times: number;
}

/** What a listing request met: its number since the last clear(), and the fault, if any. */
export interface ListingHit {
  request: number;
  fault: ListingFault;
}

export class ListingFaults {
  private readonly scheduled: Scheduled[] = [];
  private count = 0;
  /** The faults served since the last clear(): a test checks its fault was met. */
  readonly served: ListingHit[] = [];

  /** The fault on the `at`-th listing request from now (1 = the next), for `times` requests (Infinity: every one after). */
  add(fault: ListingFault, at: number, times = 1): void {
    if (!Number.isInteger(at) || at < 1) throw new Error(`fault position ${at}: use 1 for the next listing request`);
    this.scheduled.push({ fault, from: this.count + at, times });
  }

  clear(): void {
    this.scheduled.length = 0;
    this.served.length = 0;
    this.count = 0;
  }

  /** Counts one listing request and returns the fault it meets, if any. */
  next(): ListingFault | undefined {
    this.count++;
    const fault = this.scheduled.find((s) => this.count >= s.from && this.count < s.from + s.times)?.fault;
    if (fault) this.served.push({ request: this.count, fault });
    return fault;
  }
}

/** The JSON text cut in the middle, the way a dropped proxy connection leaves an answer. */
export function cutJson(json: unknown): string {
  const text = JSON.stringify(json);
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
