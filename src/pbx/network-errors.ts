// Maps what undici and Node's sockets throw (by error code) to the SyncError codes the sync pipeline acts on.
import { SyncError, type ErrorCode } from "../errors.js";

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_RES_CONTENT_LENGTH_MISMATCH"]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NODATA", "EAI_FAIL", "EAI_NONAME"]);
const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** What the caller was doing, for the message: the service and the endpoint (already safe to print). */
export interface RequestContext {
  service: string;
  endpoint: string;
  timeoutMs: number;
}

/** Every `code` found on an error, its causes and (for a failed multi-address connect) its inner errors. */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 5 || value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    const record = value as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === "string") codes.push(record.code);
    visit(record.cause, depth + 1);
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return codes;
}

function classify(codes: readonly string[]): { code: ErrorCode; what: string } {
  const has = (test: (code: string) => boolean) => codes.find(test);
  let found: string | undefined;
  if ((found = has((c) => TLS_CODES.has(c) || c.startsWith("ERR_TLS_") || c.startsWith("ERR_SSL_")))) {
    return { code: "PBX_TLS", what: `the PBX certificate was refused (${found})` };
  }
  if ((found = has((c) => TIMEOUT_CODES.has(c)))) return { code: "PBX_TIMEOUT", what: `no answer in time (${found})` };
  if ((found = has((c) => c === "ECONNREFUSED"))) return { code: "PBX_CONNECTION_REFUSED", what: "connection refused (ECONNREFUSED)" };
  if ((found = has((c) => DNS_CODES.has(c)))) return { code: "PBX_DNS", what: `the host name does not resolve (${found})` };
  if ((found = has((c) => RESET_CODES.has(c)))) return { code: "PBX_CONNECTION_RESET", what: `the PBX closed the connection (${found})` };
  if ((found = has((c) => c === "UND_ERR_DESTROYED" || c === "UND_ERR_CLOSED"))) {
    return { code: "PBX_NETWORK", what: `the client was already closed (${found})` };
  }
  return { code: "PBX_NETWORK", what: codes[0] ? `network error (${codes[0]})` : "network error" };
}

/**
 * The SyncError for a request that got no usable HTTP answer. `timedOut` and `cancelled` come from the
 * caller's own abort signals, which say more than the error undici throws when they fire.
 */
export function networkError(err: unknown, context: RequestContext, state: { timedOut: boolean; cancelled: boolean }): SyncError {
  const prefix = `PBX request ${context.service} to ${context.endpoint} failed`;
  if (state.timedOut) {
    return new SyncError("PBX_TIMEOUT", `${prefix}: no complete answer within ${context.timeoutMs} ms`, { cause: err });
  }
  if (state.cancelled) {
    return new SyncError("PBX_NETWORK", `${prefix}: cancelled before the PBX answered`, {
      hint: "The request was cancelled (a shutdown or an abort); the PBX may or may not have applied it.",
      cause: err,
    });
  }
  const { code, what } = classify(errorCodes(err));
  const detail = code === "PBX_TIMEOUT" ? `${what}, limit ${context.timeoutMs} ms` : what;
  return new SyncError(code, `${prefix}: ${detail}`, { cause: err });
}
