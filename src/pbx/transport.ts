// HTTP to the PBX: one undici Agent (keep-alive, extra CA), a hard time limit per request, and network errors mapped.
import { setImmediate as nextTurn } from "node:timers/promises";
import { rootCertificates } from "node:tls";
import { Agent, request } from "undici";
import { linkSignals } from "../linked-signal.js";
import type { Logger } from "../logger.js";
import { redactUrl } from "../redact.js";
import { parseRetryAfter } from "../retry.js";
import { networkError } from "./network-errors.js";

export interface TransportSettings {
  endpoint: string;
  timeoutMs: number;
  ca: string | undefined;
  keepAlive: boolean;
  connections: number;
  logger: Logger;
}

export interface HttpCall {
  service: string;
  method: "GET" | "POST";
  /** The full request URL, token included: only ever printed through redactUrl. */
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal | undefined;
}

/** An HTTP answer read to the end, whatever its status. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** Milliseconds a Retry-After header asked for, when the answer had one. */
  retryAfterMs?: number;
}

export class Transport {
  private readonly agent: Agent;
  private readonly settings: TransportSettings;

  constructor(settings: TransportSettings) {
    this.settings = settings;
    this.agent = new Agent({
      connections: settings.connections,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      connect: {
        timeout: settings.timeoutMs,
        // The extra CA is added to the system's, not put in their place: a PBX behind a public certificate keeps working.
        ...(settings.ca === undefined ? {} : { ca: [...rootCertificates, settings.ca] }),
      },
    });
  }

  /** Sends one request and reads the whole answer; throws a SyncError when no HTTP answer arrives in time. */
  async send(call: HttpCall): Promise<HttpAnswer> {
    const { logger, timeoutMs } = this.settings;
    const started = performance.now();
    // undici's own timeouts cover each phase; this one covers the whole request, as timeoutMs promises.
    const timeout = AbortSignal.timeout(timeoutMs);
    // Linked by hand and unlinked after: the caller's signal may be a daemon's, alive for months.
    const linked = call.signal ? linkSignals([timeout, call.signal]) : null;
    const signal = linked ? linked.signal : timeout;
    logger.debug(
      { service: call.service, method: call.method, url: redactUrl(call.url), bytes: call.body?.length ?? 0 },
      "pbx request",
    );
    try {
      const response = await request(call.url, {
        dispatcher: this.agent,
        method: call.method,
        headers: call.headers ?? {},
        ...(call.body === undefined ? {} : { body: call.body }),
        signal,
        // Without keep-alive each request closes its socket once answered.
        reset: !this.settings.keepAlive,
      });
      const body = await response.body.text();
      // undici frees the connection a turn after the body ends: without this wait a request sent
      // straight after finds it busy and opens a second connection, defeating keep-alive.
      await nextTurn();
      const header = response.headers["content-type"];
      const contentType = (Array.isArray(header) ? header[0] : header) ?? "";
      logger.debug(
        { service: call.service, status: response.statusCode, bytes: Buffer.byteLength(body), ms: Math.round(performance.now() - started) },
        "pbx answer",
      );
      const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
      return { status: response.statusCode, contentType, body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } catch (err) {
      const error = networkError(
        err,
        { service: call.service, endpoint: redactUrl(this.settings.endpoint), timeoutMs },
        { timedOut: timeout.aborted, cancelled: call.signal?.aborted === true },
      );
      logger.debug({ service: call.service, code: error.code, ms: Math.round(performance.now() - started) }, "pbx request failed");
      throw error;
    } finally {
      linked?.dispose();
    }
  }

  /** Closes the pooled connections; requests after this fail with PBX_NETWORK. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
