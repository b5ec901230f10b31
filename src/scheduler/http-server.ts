// The daemon's small HTTP server: /healthz for probes, /metrics for Prometheus; the report viewer when asked for.
import { closer, listen } from "../http-listen.js";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { redact } from "../redact.js";
import type { DaemonMetrics } from "./metrics.js";

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface DaemonHttpOptions {
  port: number;
  host: string;
  metrics: DaemonMetrics;
  health: () => Promise<HealthReport>;
  logger: Logger;
  /** A health function slower than this counts as unhealthy; default 5000. */
  healthTimeoutMs?: number;
  /** Answers every other path (the report viewer, daemon.http.viewer); without it they get 404. */
  viewer?: http.RequestListener;
}

export interface DaemonHttp {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  port: number;
  /** Stops listening, ends open (keep-alive) connections, resolves once the server is closed. */
  close(): Promise<void>;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 5000;

const ROUTES = new Set(["/healthz", "/metrics"]);
const ALLOW = "GET, HEAD";

export async function startDaemonHttp(options: DaemonHttpOptions): Promise<DaemonHttp> {
  const { host, metrics, logger } = options;
  const healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (!Number.isInteger(healthTimeoutMs) || healthTimeoutMs < 1) {
    throw new SyncError("INTERNAL", `invalid healthTimeoutMs ${healthTimeoutMs}: use a whole number of ms >= 1`);
  }

  const server = http.createServer((req, res) => {
    if (options.viewer && !ROUTES.has(pathOf(req))) return options.viewer(req, res);
    // Bodies are never read, logged or needed: drain them so the connection stays usable.
    req.resume();
    handle(req, res, { metrics, health: options.health, healthTimeoutMs }).catch((err: unknown) => {
      logger.error({ err: errorText(err), path: pathOf(req) }, "daemon http request failed");
      if (!res.headersSent) send(req, res, 500, "text/plain; charset=utf-8", "internal error\n");
      else res.destroy();
    });
  });

  await listen(server, options.port, host, listenError);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info({ url }, "daemon http listening");

  return { url, port, close: closer(server) };
}

interface Handlers {
  metrics: DaemonMetrics;
  health: () => Promise<HealthReport>;
  healthTimeoutMs: number;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, handlers: Handlers): Promise<void> {
  const path = pathOf(req);
  if (!ROUTES.has(path)) return send(req, res, 404, "text/plain; charset=utf-8", "not found\n");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", ALLOW);
    return send(req, res, 405, "text/plain; charset=utf-8", "method not allowed\n");
  }
  if (path === "/metrics") {
    const text = await handlers.metrics.text();
    return send(req, res, 200, handlers.metrics.contentType, text);
  }
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  const report = await checkHealth(handlers.health, handlers.healthTimeoutMs, gone.signal);
  if (gone.signal.aborted) return;
  const body = JSON.stringify({ status: report.ok ? "ok" : "unhealthy", checks: report.checks });
  return send(req, res, report.ok ? 200 : 503, "application/json; charset=utf-8", body);
}

/**
 * The health function's report, or an unhealthy one when it throws or does not answer in time. The wait ends
 * early when the client goes away (or close() ends the connection), so no timer outlives the server.
 */
async function checkHealth(health: () => Promise<HealthReport>, timeoutMs: number, gone: AbortSignal): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  let onGone: (() => void) | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`health check took longer than ${timeoutMs} ms`)), timeoutMs);
    onGone = () => reject(new Error("the client went away"));
    gone.addEventListener("abort", onGone, { once: true });
  });
  try {
    const pending = Promise.resolve().then(health);
    // A late rejection after the limit won is of no interest, but must not become an unhandled one.
    pending.catch(() => undefined);
    return await Promise.race([pending, limit]);
  } catch (err) {
    return { ok: false, checks: { health: { ok: false, detail: errorText(err) } } };
  } finally {
    clearTimeout(timer);
    if (onGone) gone.removeEventListener("abort", onGone);
  }
}

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", contentType);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  // HEAD gets the headers GET would get, without the body.
  res.end(req.method === "HEAD" ? undefined : body);
}

function pathOf(req: http.IncomingMessage): string {
  const raw = req.url ?? "/";
  const query = raw.indexOf("?");
  return query === -1 ? raw : raw.slice(0, query);
}

function errorText(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string): SyncError {
  // No cause attached: the printed error is the setting and the fix, not a Node stack.
  switch (err.code) {
    case "EADDRINUSE":
      return new SyncError("CONFIG_INVALID", `daemon.http.port ${port} on ${host} is in use`, {
        hint: "Choose another daemon.http.port, or stop the process that listens on it.",
      });
    case "EACCES":
      return new SyncError("CONFIG_INVALID", `daemon.http.port ${port} on ${host} is not allowed for this user`, {
        hint: "Use a port above 1023, or give the process the right to bind low ports.",
      });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SyncError("CONFIG_INVALID", `daemon.http.host ${host} is not an address of this machine`, {
        hint: "Use 127.0.0.1 (local scrapes only), 0.0.0.0 (all interfaces) or one of this machine's addresses.",
      });
    default:
      return new SyncError("CONFIG_INVALID", `daemon.http could not listen on ${host}:${port}: ${err.message}`);
  }
}
