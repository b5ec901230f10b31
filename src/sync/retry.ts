// Retry policy for PBX calls: which failures, their floors, and which stop a run (the back-off is src/retry.ts).
import { isSyncError, type ErrorCode } from "../errors.js";
import { backoffDelay, retrying, sleep, type RetryHooks, type RetryRules } from "../retry.js";
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

/** The PBX's rules: the client's list of passing failures, and the per-code floors above. */
export const PBX_RETRY_RULES: RetryRules = {
  retryable: isRetryable,
  bounds: (err) => (isSyncError(err) ? RETRY_POLICY[err.code] : undefined),
};

/** Delay before attempt `attempt` (1 = first retry) of a PBX call: see backoffDelay. */
export function retryDelay(err: unknown, attempt: number, config: RetryConfig, random = Math.random): number {
  return backoffDelay(err, attempt, config, PBX_RETRY_RULES, random) ?? config.maxDelayMs;
}

/** Runs a PBX call, retrying its passing failures up to `config.attempts` tries in all. */
export function withRetry<T>(fn: (attempt: number) => Promise<T>, config: RetryConfig, hooks: RetryHooks = {}): Promise<T> {
  return retrying(fn, config, PBX_RETRY_RULES, hooks);
}

export { sleep };
