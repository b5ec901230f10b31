// Retries with exponential back-off and jitter, shared by the PBX client and the REST source: which failures
// are retried is the caller's rule; a server's own Retry-After beats the back-off.
import { isSyncError, type SyncError } from "./errors.js";

/** How often and how long: the job's `retry:` settings, or a source's. */
export interface RetrySettings {
  /** Tries in all, the first included. */
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
}

/** What the caller knows about its failures. */
export interface RetryRules {
  /** True when the same request may succeed later. */
  retryable(err: unknown): boolean;
  /** A floor or ceiling for one kind of failure (a PBX that refuses connections is restarting: wait longer). */
  bounds?(err: unknown): { minDelayMs?: number; maxDelayMs?: number } | undefined;
  /** The longest wait a server's Retry-After is granted; longer asks fail the call. Default 5 minutes. */
  maxRetryAfterMs?: number;
}

export interface RetryHooks {
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Whether an HTTP call's failure may pass by itself: the server answered 5xx, 429 or 408, or no answer came at
 * all (the network, a timeout) and the error names no setting to fix (a refused certificate names caFile; an
 * answer of the wrong shape names records or paging). A 401, 404 or a non-JSON 200 stays as it is.
 */
export function httpFailurePasses(err: SyncError): boolean {
  if (err.status === undefined) return err.field === undefined;
  return err.status >= 500 || err.status === 429 || err.status === 408;
}

/**
 * Delay before attempt `attempt` (1 = first retry): the server's Retry-After when the error carries one (up to
 * a tenth more, so that clients told the same second do not come back together), else doubling from min to
 * max with ±25% jitter. Undefined when the server asks for a wait longer than the rules grant.
 */
export function backoffDelay(err: unknown, attempt: number, settings: RetrySettings, rules: RetryRules, random = Math.random): number | undefined {
  const retryAfter = isSyncError(err) ? err.retryAfterMs : undefined;
  if (retryAfter !== undefined) {
    if (retryAfter > (rules.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS)) return undefined;
    return Math.round(retryAfter * (1 + random() * 0.1));
  }
  const bounds = rules.bounds?.(err) ?? {};
  const min = Math.max(bounds.minDelayMs ?? 0, settings.minDelayMs);
  const max = Math.max(min, bounds.maxDelayMs ?? settings.maxDelayMs);
  const base = Math.min(max, min * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

/** Runs `fn`, retrying the failures `rules` calls retryable, up to `settings.attempts` tries in all. */
export async function retrying<T>(fn: (attempt: number) => Promise<T>, settings: RetrySettings, rules: RetryRules, hooks: RetryHooks = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= settings.attempts || !rules.retryable(err) || hooks.signal?.aborted) throw err;
      const delay = backoffDelay(err, attempt, settings, rules);
      if (delay === undefined) throw withRefusedWait(err, rules);
      hooks.onRetry?.(err, attempt, delay);
      await sleep(delay, hooks.signal);
    }
  }
}

/** The error of a call whose server asked for a longer wait than the rules grant, saying so (the report shows why no retry came). */
function withRefusedWait(err: unknown, rules: RetryRules): unknown {
  if (!isSyncError(err) || err.retryAfterMs === undefined) return err;
  const granted = rules.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  err.message += ` (not retried: Retry-After asked for ${Math.round(err.retryAfterMs / 1000)} s, more than the ${Math.round(granted / 1000)} s a retry waits)`;
  return err;
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

/**
 * A Retry-After header as milliseconds from `now`: delay-seconds or an HTTP date. Undefined when absent or
 * unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month; anything else Date.parse might take ("-5") is not one.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
