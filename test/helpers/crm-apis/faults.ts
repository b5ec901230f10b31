// What a fake CRM API does wrong, and when: throttling, server errors, slow or broken answers, and tokens that expire,
// each on the k-th API request from now (token requests not counted), once or for several requests.

export type Fault =
  /** 429 with Retry-After (seconds). */
  | { kind: "throttle"; retryAfterS: number }
  /** An error status (500, 503...) in the API's own error format. */
  | { kind: "error"; status: number }
  /** The normal answer, after this long. */
  | { kind: "slow"; delayMs: number }
  /** The normal answer cut off half-way: 200 with text that is not JSON. */
  | { kind: "brokenJson" }
  /** Every token issued so far stops working, from this request on (which gets a 401). */
  | { kind: "expireTokens" };

interface Scheduled {
  fault: Fault;
  /** The API request number it starts at, counted since the schedule was created or cleared. */
  from: number;
  times: number;
}

export class Faults {
  private readonly scheduled: Scheduled[] = [];
  /** API requests seen since the last clear(). */
  private count = 0;

  /** The fault on the `at`-th API request from now (1 = the next one), for `times` requests (Infinity: from then on). */
  add(fault: Fault, at: number, times = 1): void {
    if (!Number.isInteger(at) || at < 1) throw new Error(`fault position ${at}: use 1 for the next request`);
    this.scheduled.push({ fault, from: this.count + at, times });
  }

  clear(): void {
    this.scheduled.length = 0;
    this.count = 0;
  }

  /** Counts one API request and says which fault, if any, it meets. */
  next(): Fault | undefined {
    this.count++;
    return this.scheduled.find((s) => this.count >= s.from && this.count < s.from + s.times)?.fault;
  }
}

/** The JSON text cut in the middle of the answer, the way a dropped proxy connection leaves it. */
export function brokenJson(json: unknown): string {
  const text = JSON.stringify(json);
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
