// Retry policy for PBX calls: one table keyed by error code, with exponential backoff and jitter.
import { isSyncError, type ErrorCode } from "../errors.js";
import { isRetryable } from "../pbx/index.js";
import type { RetryConfig } from "../config/schema.js";

/**
 * Delays per retryable failure, beyond the job's retry settings. Which failures are retried at all is
 * the client's `isRetryable` (one list, in src/pbx/retryable.ts).
 */
export const RETRY_POLICY: Partial<Record<ErrorCode, { minDelayMs?: number; maxDelayMs?: number }>> = {
  // A PBX that refuses connections is restarting: give it a few seconds from the start.
  PBX_CONNECTION_REFUSED: { minDelayMs: 2_000 },
};

/** Failures after which no further batch can succeed: the run stops instead of failing every batch. */
export const FATAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "PBX_AUTH_FAILED",
  // Still refused or unresolvable after every retry: the PBX is down, and every further batch would only wait as long.
  "PBX_CONNECTION_REFUSED",
  "PBX_DNS",
  "PBX_TLS",
  "PBX_HTML_RESPONSE",
  "PBX_UNKNOWN_SERVICE",
]);

export function isRetryableFailure(err: unknown): boolean {
  return isRetryable(err);
}

/** Delay before attempt `attempt` (1 = first retry): doubling from min to max, with ±25% jitter. */
export function retryDelay(err: unknown, attempt: number, config: RetryConfig, random = Math.random): number {
  const policy = isSyncError(err) ? (RETRY_POLICY[err.code] ?? {}) : {};
  const min = Math.max(policy.minDelayMs ?? 0, config.minDelayMs);
  const max = Math.max(min, policy.maxDelayMs ?? config.maxDelayMs);
  const base = Math.min(max, min * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

/** Runs `fn`, retrying retryable failures up to `config.attempts` tries in all. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  config: RetryConfig,
  hooks: { onRetry?: (err: unknown, attempt: number, delayMs: number) => void; signal?: AbortSignal } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= config.attempts || !isRetryableFailure(err) || hooks.signal?.aborted) throw err;
      const delay = retryDelay(err, attempt, config);
      hooks.onRetry?.(err, attempt, delay);
      await sleep(delay, hooks.signal);
    }
  }
}

/** Waits `ms`, or less when the signal aborts; the abort listener goes with the wait, never left behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
