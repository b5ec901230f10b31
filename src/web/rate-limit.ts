// Failed logins per client address: after too many in a window, the address is refused until the oldest one ages out.

export interface FailureLimitOptions {
  /** Failures allowed in the window; the next request is refused. Default 5. */
  maxFailures?: number;
  /** Default 60 000 ms. */
  windowMs?: number;
  /** Addresses remembered at most; the stalest go first. Default 10 000. */
  maxAddresses?: number;
  now?: () => number;
}

export const FAILURE_LIMIT_DEFAULTS = { maxFailures: 5, windowMs: 60_000, maxAddresses: 10_000 };

/** No timers: old failures are dropped when an address is looked at, and the map is bounded. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: FailureLimitOptions = {}) {
    this.maxFailures = options.maxFailures ?? FAILURE_LIMIT_DEFAULTS.maxFailures;
    this.windowMs = options.windowMs ?? FAILURE_LIMIT_DEFAULTS.windowMs;
    this.maxAddresses = options.maxAddresses ?? FAILURE_LIMIT_DEFAULTS.maxAddresses;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds the address must still wait; 0 when it may try. */
  blockedFor(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.maxFailures) return 0;
    const oldest = recent[recent.length - this.maxFailures] ?? this.now();
    return Math.max(1, oldest + this.windowMs - this.now());
  }

  /** Notes a failure; returns how many the address has in the window now. */
  fail(address: string): number {
    const recent = this.recent(address);
    recent.push(this.now());
    // Re-inserted last: the Map's order is then stalest first.
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-this.maxFailures));
    while (this.failures.size > this.maxAddresses) {
      const stalest = this.failures.keys().next().value;
      if (stalest === undefined) break;
      this.failures.delete(stalest);
    }
    return recent.length;
  }

  /** A successful login clears the address's failures. */
  succeed(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.failures.get(address) ?? []).filter((time) => time > since);
    if (kept.length === 0) this.failures.delete(address);
    else this.failures.set(address, kept);
    return kept;
  }
}
