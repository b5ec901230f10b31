// Sends a notice as a JSON POST to the configured webhook, with a time limit per attempt and a short back-off between attempts.
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import type { WebhookConfig } from "../config/notifications-schema.js";
import { SyncError } from "../errors.js";
import { errorCodes } from "../pbx/network-errors.js";
import type { RunNotice } from "./notice.js";

export interface WebhookSendOptions {
  /** Cancels the current attempt and any back-off; the call then fails with NOTIFY_FAILED. */
  signal?: AbortSignal;
  /** Internal: the first back-off delay (1 s; then 2 s, 4 s, ...). Tests shorten it. */
  _backoffBaseMs?: number;
}

/** The JSON body a webhook receives. */
export interface WebhookPayload {
  event: "phonebook-sync.run";
  kind: RunNotice["kind"];
  job: string;
  appName: string;
  status: RunNotice["status"];
  previousStatus: RunNotice["previousStatus"];
  runId: number | null;
  trigger: string;
  counts: RunNotice["counts"];
  error: string | null;
  startedAt: string;
  endedAt: string;
  host: string;
  reportHint: string | null;
}

export function webhookPayload(notice: RunNotice): WebhookPayload {
  return {
    event: "phonebook-sync.run",
    kind: notice.kind,
    job: notice.job,
    appName: notice.appName,
    status: notice.status,
    previousStatus: notice.previousStatus,
    runId: notice.runId,
    trigger: notice.trigger,
    counts: notice.counts,
    error: notice.error,
    startedAt: notice.startedAt.toISOString(),
    endedAt: notice.endedAt.toISOString(),
    host: notice.host,
    reportHint: notice.reportHint,
  };
}

const DEFAULT_BACKOFF_BASE_MS = 1000;
// Enough of an error page to see why it was refused; the rest is discarded.
const EXCERPT_BYTES = 512;
const DRAIN_BYTES = 64 * 1024;
const RETRY_STATUSES = new Set([408, 429]);
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);
const FIXED_HEADERS = new Set(["content-type", "user-agent", "content-length"]);

type Attempt =
  | { ok: true }
  | { ok: false; retry: boolean; what: string; status?: number; excerpt?: string; cause?: unknown };

/**
 * POSTs the notice; resolves on a 2xx answer. Retries network errors, timeouts, 5xx, 429 and 408
 * (never another 4xx: the same request would be refused again). Throws SyncError NOTIFY_FAILED naming
 * only the URL's host, so neither a secret in the path nor a header value can leave in the message.
 */
export async function sendWebhook(config: WebhookConfig, notice: RunNotice, options: WebhookSendOptions = {}): Promise<void> {
  const host = printableHost(config.url);
  const body = JSON.stringify(webhookPayload(notice));
  // Ours win over configured headers of the same name (in any case): the receiver must get JSON.
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(config.headers).filter(([name]) => !FIXED_HEADERS.has(name.toLowerCase())),
  );
  headers["content-type"] = "application/json";
  headers["user-agent"] = "phonebook-sync";
  const base = options._backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  // One agent per call, destroyed at the end: a notice is rare, and no socket may outlive the call.
  const agent = new Agent({
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
    connect: { timeout: config.timeoutMs },
  });
  let made = 0;
  let last: Attempt = { ok: false, retry: false, what: "not attempted" };
  try {
    while (made < config.attempts && options.signal?.aborted !== true) {
      if (made > 0) {
        const waited = await sleep(base * 2 ** (made - 1), true, options.signal ? { signal: options.signal } : {}).catch(() => false);
        if (!waited) break;
      }
      made++;
      last = await attempt(agent, config, headers, body, options.signal);
      if (last.ok || !last.retry) break;
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }
  if (last.ok) return;
  const cancelled = options.signal?.aborted === true && !last.what.startsWith("cancelled") ? ", then cancelled" : "";
  throw new SyncError(
    "NOTIFY_FAILED",
    `Webhook notice to ${host} failed after ${made} attempt${made === 1 ? "" : "s"}${cancelled}: ${last.what}`,
    {
      ...(last.status === undefined ? {} : { status: last.status }),
      ...(last.excerpt ? { bodyExcerpt: last.excerpt } : {}),
      ...(last.cause === undefined ? {} : { cause: last.cause }),
    },
  );
}

async function attempt(
  agent: Agent,
  config: WebhookConfig,
  headers: Record<string, string>,
  body: string,
  outer: AbortSignal | undefined,
): Promise<Attempt> {
  // undici's own timeouts cover each phase; this timer covers the whole attempt, headers and body.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs);
  const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
  try {
    const response = await request(config.url, { dispatcher: agent, method: "POST", headers, body, signal });
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      // Read to its end within the time limit (undici's dump() would resolve on an abort as on success).
      await drain(response.body);
      return { ok: true };
    }
    const excerpt = await readExcerpt(response.body);
    const retry = status >= 500 || RETRY_STATUSES.has(status);
    const what = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
    return { ok: false, retry, what, status, excerpt };
  } catch (err) {
    const codes = errorCodes(err);
    // undici's own phase timeouts may fire a moment before ours: the same timeout either way.
    if (controller.signal.aborted || codes.some((c) => TIMEOUT_CODES.has(c))) {
      return { ok: false, retry: true, what: `timeout: no complete answer within ${config.timeoutMs} ms`, cause: err };
    }
    if (outer?.aborted) return { ok: false, retry: false, what: "cancelled before the receiver answered", cause: err };
    const code = codes.find((c) => c !== "UND_ERR_ABORTED");
    return { ok: false, retry: true, what: `network error ${code ?? (err instanceof Error ? err.message : String(err))}`, cause: err };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a success answer to its end; a very long one is cut short, which is no failure: the status said enough. */
async function drain(stream: Readable): Promise<void> {
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Uint8Array).length;
    if (size > DRAIN_BYTES) break;
  }
  stream.destroy();
}

/** The first bytes of an answer as text; the stream is ended either way so the socket is freed. */
async function readExcerpt(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(Buffer.from(chunk as Uint8Array));
      size += chunk.length;
      if (size >= EXCERPT_BYTES) break;
    }
  } catch {
    // the excerpt is only a help; a broken body still leaves the status to report
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString("utf8").replace(/\s+/g, " ").trim();
}

/** The host alone: the rest of the URL may be the secret (a chat webhook's key in its path), and is registered as one. */
function printableHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparseable webhook URL)";
  }
}
