// The shared retry helper: back-off with jitter, a server's Retry-After, and the cap on what it may ask.
import { describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { backoffDelay, parseRetryAfter, retrying, type RetryRules } from "../../src/retry.js";

const settings = { attempts: 4, minDelayMs: 100, maxDelayMs: 1_000 };
const always: RetryRules = { retryable: () => true };
const middle = () => 0.5;

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-12-03T10:00:00Z");
  it("reads delay-seconds and HTTP dates, a past date as 0", () => {
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 03 Dec 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 03 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(["2", "9"], now)).toBe(2_000);
  });
  it("gives undefined for nothing or nonsense", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("doubles from min to max with the jitter in the middle, and honours per-error bounds", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(new Error("x"), attempt, settings, always, middle))).toEqual([100, 200, 400, 800, 1_000]);
    const floored: RetryRules = { retryable: () => true, bounds: () => ({ minDelayMs: 2_000 }) };
    expect(backoffDelay(new Error("x"), 1, settings, floored, middle)).toBe(2_000);
    expect(backoffDelay(new Error("x"), 1, settings, always, () => 0)).toBe(75);
    expect(backoffDelay(new Error("x"), 1, settings, always, () => 1)).toBe(125);
  });
  it("waits what the server's Retry-After asks, plus at most a tenth, whatever the attempt", () => {
    const err = new SyncError("SOURCE_REST", "429", { status: 429, retryAfterMs: 3_000 });
    expect(backoffDelay(err, 1, settings, always, () => 0)).toBe(3_000);
    expect(backoffDelay(err, 3, settings, always, () => 1)).toBe(3_300);
  });
  it("refuses a Retry-After beyond the rules' cap", () => {
    const err = new SyncError("SOURCE_REST", "503", { status: 503, retryAfterMs: 600_000 });
    expect(backoffDelay(err, 1, settings, always)).toBeUndefined();
    expect(backoffDelay(err, 1, settings, { ...always, maxRetryAfterMs: 900_000 }, () => 0)).toBe(600_000);
  });
});

describe("retrying", () => {
  it("retries what the rules call retryable, up to the attempts, and reports each retry", async () => {
    const seen: number[] = [];
    let calls = 0;
    const result = await retrying(
      (attempt) => {
        calls++;
        if (attempt < 3) throw new SyncError("SOURCE_REST", `try ${attempt}`, { retryAfterMs: 1 });
        return Promise.resolve("done");
      },
      settings,
      always,
      { onRetry: (_err, attempt) => seen.push(attempt) },
    );
    expect(result).toBe("done");
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2]);
  });
  it("gives up at once on a failure the rules do not retry, and on a Retry-After past the cap", async () => {
    let calls = 0;
    const never: RetryRules = { retryable: () => false };
    await expect(retrying(() => Promise.reject(new Error(`call ${++calls}`)), settings, never)).rejects.toThrow("call 1");
    calls = 0;
    const tooLong = () => Promise.reject(new SyncError("SOURCE_REST", `call ${++calls}`, { retryAfterMs: 3_600_000 }));
    await expect(retrying(tooLong, settings, always)).rejects.toThrow("call 1 (not retried: Retry-After asked for 3600 s, more than the 300 s a retry waits)");
  });
});
