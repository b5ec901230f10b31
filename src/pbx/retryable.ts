// Which PBX failures are worth another try: passing trouble yes, a refusal or a wrong setting no.
import { isSyncError, type ErrorCode } from "../errors.js";

const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "PBX_TIMEOUT",
  "PBX_CONNECTION_REFUSED",
  "PBX_CONNECTION_RESET",
  "PBX_EMPTY_RESPONSE",
  "PBX_MALFORMED_RESPONSE",
]);

/**
 * True when the same request may succeed later. HTTP statuses count only when 5xx, 429 or 408: a 4xx says
 * the URL or the request is wrong and will stay wrong. Auth, refusals, TLS and HTML pages never do.
 */
export function isRetryable(err: unknown): boolean {
  if (!isSyncError(err)) return false;
  if (err.code === "PBX_HTTP_STATUS") return err.status !== undefined && (err.status >= 500 || err.status === 429 || err.status === 408);
  return RETRYABLE_CODES.has(err.code);
}
