// Retry policy for PBX calls: one table keyed by error code, with exponential backoff and jitter.
import { isSyncError, type ErrorCode } from "../errors.js";
import type { RetryConfig } from "../config/schema.js";

/** How each retryable failure is retried; a code absent here is never retried. */
export const RETRY_POLICY: Partial<Record<ErrorCode, { minDelayMs?: number; maxDelayMs?: number }>> = {
  PBX_TIMEOUT: {},
  PBX_CONNECTION_REFUSED: {},
  PBX_CONNECTION_RESET: {},
  PBX_NETWORK: {},
  PBX_DNS: { minDelayMs: 5_000 },
  PBX_EMPTY_RESPONSE: {},
  PBX_MALFORMED_RESPONSE: {},
  PBX_HTTP_STATUS: {},
};

/** Failures after which no further batch can succeed: the run stops instead of failing every batch. */
export const FATAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "PBX_AUTH_FAILED",
  "PBX_TLS",
  "PBX_HTML_RESPONSE",
  "PBX_UNKNOWN_SERVICE",
]);

export function isRetryableFailure(err: unknown): boolean {
  if (!isSyncError(err) || RETRY_POLICY[err.code] === undefined) return false;
  // Of the HTTP answers only the passing ones: server errors, rate limits, request timeouts.
  if (err.code === "PBX_HTTP_STATUS") return err.status === undefined || err.status >= 500 || err.status === 429 || err.status === 408;
  return true;
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
