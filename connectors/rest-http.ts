// HTTP for the REST source: one undici dispatcher (keep-alive, private CA, proxy), a request rate, retries of passing
// failures with Retry-After, JSON answers, and every failure as SOURCE_REST naming the URL with its secrets masked.
import { rootCertificates } from "node:tls";
import { Agent, EnvHttpProxyAgent, ProxyAgent, request, type Dispatcher } from "undici";
import { readCaFile } from "./ca-file.js";
import { SyncError, isSyncError } from "../src/errors.js";
import { linkSignals } from "../src/linked-signal.js";
import type { Logger } from "../src/logger.js";
import { errorCodes } from "../src/pbx/network-errors.js";
import { redact, redactUrl } from "../src/redact.js";
import { httpFailurePasses, parseRetryAfter, retrying, sleep, type RetryRules } from "../src/retry.js";
import type { RestConfig } from "./rest-config.js";

export interface RestCall {
  method: "GET" | "POST";
  url: URL;
  headers?: Record<string, string>;
  /** JSON body (POST), or a form (the OAuth token request). */
  json?: unknown;
  form?: URLSearchParams;
  signal?: AbortSignal | undefined;
}

export interface RestAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body. */
  body: unknown;
}

/** Whether a SOURCE_REST failure may pass: network trouble and timeouts, 5xx, 429, 408 (see httpFailurePasses). */
export const REST_RETRY_RULES = (maxRetryAfterMs: number): RetryRules => ({
  retryable: (err) => isSyncError(err, "SOURCE_REST") && httpFailurePasses(err),
  maxRetryAfterMs,
});

export class RestHttp {
  private readonly dispatcher: Dispatcher;
  private nextSlot = 0;

  constructor(
    private readonly config: RestConfig,
    baseDir: string,
    private readonly logger: Logger,
  ) {
    const ca = config.caFile === undefined ? undefined : readCaFile(baseDir, config.caFile, "SOURCE_REST");
    const connect = { timeout: config.timeoutMs, ...(ca === undefined ? {} : { ca: [...rootCertificates, ca] }) };
    const options = { headersTimeout: config.timeoutMs, bodyTimeout: config.timeoutMs, connect };
    const envProxy = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((name) => process.env[name]);
    this.dispatcher = config.proxy
      ? new ProxyAgent({ ...options, uri: config.proxy, requestTls: connect })
      : envProxy
        ? new EnvHttpProxyAgent({ ...options, requestTls: connect })
        : new Agent(options);
  }

  /** Sends the call, retrying passing failures (Retry-After honoured); throws SOURCE_REST. */
  send(call: RestCall, what: string): Promise<RestAnswer> {
    const { retry } = this.config;
    return retrying(() => this.once(call, what), retry, REST_RETRY_RULES(retry.maxRetryAfterMs), {
      onRetry: (err, attempt, delayMs) => this.logger.warn({ err: (err as SyncError).message, attempt, delayMs }, "REST request failed, retrying"),
      ...(call.signal ? { signal: call.signal } : {}),
    });
  }

  /** One try: waits for the rate limit's next slot, sends, reads and parses the whole answer. */
  async once(call: RestCall, what: string): Promise<RestAnswer> {
    await this.slot(call.signal);
    const where = `${what}: ${call.method} ${redactUrl(call.url)}`;
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const linked = call.signal ? linkSignals([timeout, call.signal]) : null;
    const started = performance.now();
    let status: number;
    let headers: RestAnswer["headers"];
    let text: string;
    try {
      const response = await request(call.url, {
        dispatcher: this.dispatcher,
        method: call.method,
        headers: { accept: "application/json", ...contentType(call), ...call.headers },
        ...bodyOf(call),
        signal: linked ? linked.signal : timeout,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (err) {
      throw connectionFailure(err, where, { timedOut: timeout.aborted, cancelled: call.signal?.aborted === true, timeoutMs: this.config.timeoutMs });
    } finally {
      linked?.dispose();
    }
    this.logger.debug({ url: redactUrl(call.url), status, bytes: text.length, ms: Math.round(performance.now() - started) }, "rest answer");
    if (status < 200 || status >= 300) throw statusFailure(status, headers, text, where);
    return { status, headers, body: parseJson(text, where, status) };
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /** Spaces requests `1 / rateLimit` seconds apart. */
  private async slot(signal: AbortSignal | undefined): Promise<void> {
    const rate = this.config.rateLimit;
    if (rate === undefined) return;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / rate;
    if (at > now) await sleep(at - now, signal);
  }
}

function contentType(call: RestCall): Record<string, string> {
  if (call.form) return { "content-type": "application/x-www-form-urlencoded" };
  if (call.json !== undefined) return { "content-type": "application/json" };
  return {};
}

function bodyOf(call: RestCall): { body?: string } {
  if (call.form) return { body: call.form.toString() };
  if (call.json !== undefined) return { body: JSON.stringify(call.json) };
  return {};
}

function connectionFailure(err: unknown, where: string, state: { timedOut: boolean; cancelled: boolean; timeoutMs: number }): SyncError {
  if (state.cancelled && !state.timedOut) return new SyncError("SOURCE_READ_FAILED", `${where}: cancelled`, { cause: err });
  const codes = errorCodes(err);
  const reason = state.timedOut
    ? `no complete answer within ${state.timeoutMs} ms`
    : codes.some((code) => code.startsWith("ERR_TLS_") || /CERT|SELF_SIGNED|LEAF_SIGNATURE/.test(code))
      ? `the server's certificate was refused (${codes[0] ?? "TLS"}): give its CA with caFile`
      : `${codes[0] ?? "network error"}: ${err instanceof Error ? err.message : String(err)}`;
  // A refused certificate names the setting that fixes it: a retry would meet the same certificate.
  return new SyncError("SOURCE_REST", `${where}: ${reason}`, { cause: err, ...(reason.includes("certificate") ? { field: "caFile" } : {}) });
}

function statusFailure(status: number, headers: RestAnswer["headers"], text: string, where: string): SyncError {
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers["retry-after"]) : undefined;
  const excerpt = redact(text).replace(/\s+/g, " ").trim().slice(0, 200);
  const hint =
    status === 401 || status === 403
      ? "The API refused the credentials: check the token (or client id and secret) and its scopes, as docs/rest.md says for each CRM."
      : status === 404
        ? "Check baseUrl and path (a path starting with / replaces the base URL's own path)."
        : retryAfterMs !== undefined
          ? `The API asked to wait ${Math.ceil(retryAfterMs / 1000)} s before the next request: lower rateLimit, or raise retry.maxRetryAfterMs to wait that long.`
          : undefined;
  return new SyncError("SOURCE_REST", `${where}: HTTP ${status}${excerpt ? `: ${excerpt}` : ""}`, {
    status,
    bodyExcerpt: excerpt,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(hint ? { hint } : {}),
  });
}

function parseJson(text: string, where: string, status: number): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const excerpt = redact(text).replace(/\s+/g, " ").trim().slice(0, 120);
    throw new SyncError("SOURCE_REST", `${where}: the answer (HTTP ${status}) is not JSON: ${(err as Error).message}; it starts "${excerpt}"`, {
      status,
      bodyExcerpt: excerpt,
      hint: "Check the URL: an HTML login or error page means the path or the credentials are wrong.",
    });
  }
}
