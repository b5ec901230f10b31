// HTTP for the CardDAV source: one undici dispatcher (private CA, timeouts), Basic or Bearer auth, WebDAV methods,
// hrefs as decoded paths, and every failure as a DavError (SOURCE_CARDDAV) naming the request with secrets masked.
import { rootCertificates } from "node:tls";
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import { SyncError, type SyncErrorDetails } from "../src/errors.js";
import { linkSignals } from "../src/linked-signal.js";
import { errorCodes } from "../src/pbx/network-errors.js";
import { redact, redactUrl } from "../src/redact.js";
import { parseRetryAfter } from "../src/retry.js";
import { XmlShapeError, parseXml, readMultistatus } from "./carddav-xml.js";

/** How to reach a CardDAV server; see DavClient. */
export interface DavOptions {
  /** A server URL (discovery starts there) or an address book's URL. */
  url: string;
  /** Basic auth. */
  username?: string;
  password?: string;
  /** Bearer auth (an app password or OAuth token) instead of Basic. */
  token?: string;
  /** PEM text of a private CA, trusted besides the usual roots. */
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * What went wrong, for the caller to act on: `auth` (401/403: the status is on `status`), `invalid-token` (the
 * server forgot the sync token: list in full), `unsupported` (no sync-collection), `not-found`, `status` (another
 * HTTP status), `malformed` (an answer that is not the XML expected), `network`, `timeout`, `tls`, `cancelled`.
 */
export type DavErrorKind = "auth" | "invalid-token" | "unsupported" | "not-found" | "status" | "malformed" | "network" | "timeout" | "tls" | "cancelled";

/** A CardDAV failure: a SyncError with code SOURCE_CARDDAV, and a kind. */
export class DavError extends SyncError {
  readonly kind: DavErrorKind;

  constructor(kind: DavErrorKind, message: string, details: SyncErrorDetails = {}) {
    super("SOURCE_CARDDAV", message, details);
    this.kind = kind;
  }
}

export interface DavRequest {
  method: "PROPFIND" | "REPORT";
  url: URL;
  body: string;
  depth?: "0" | "1";
}

export interface DavAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The transport under DavClient: one dispatcher, the credentials, a request counter. */
export class DavHttp {
  requestCount = 0;
  /** Cancels the requests from now on (a run's shutdown); the options' signal until a read gives its own. */
  signal: AbortSignal | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly authorization: string | undefined;

  constructor(private readonly options: DavOptions) {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new DavError("malformed", `invalid CardDAV timeoutMs ${options.timeoutMs}: use a number of milliseconds above 0`, { field: "timeoutMs" });
    }
    this.dispatcher = davDispatcher(options);
    this.signal = options.signal;
    if (options.token !== undefined) this.authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`, "utf8").toString("base64")}`;
    }
  }

  /** Who the requests speak for, for messages: `user "alice"`, `the token`, or undefined without credentials. */
  get who(): string | undefined {
    if (this.options.token !== undefined) return "the token";
    return this.options.username === undefined ? undefined : `user "${this.options.username}"`;
  }

  /** Sends one request and reads the whole answer; throws a DavError when no complete answer came. */
  async send(call: DavRequest): Promise<DavAnswer> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const linked = linkSignals([timeout, this.signal]);
    this.requestCount += 1;
    try {
      const response = await request(call.url, {
        dispatcher: this.dispatcher,
        method: call.method,
        headers: {
          "content-type": "application/xml; charset=utf-8",
          accept: "application/xml, text/xml",
          ...(call.depth === undefined ? {} : { depth: call.depth }),
          ...(this.authorization === undefined ? {} : { authorization: this.authorization }),
        },
        body: call.body,
        signal: linked.signal,
      });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    } catch (err) {
      throw connectionFailure(err, call, { timedOut: timeout.aborted, cancelled: this.signal?.aborted === true, timeoutMs: this.options.timeoutMs });
    } finally {
      linked.dispose();
    }
  }

  /** Sends a PROPFIND or REPORT and reads its 207 multistatus; any other answer throws (statusFailure). */
  async multistatus(call: DavRequest): Promise<Multistatus> {
    const answer = await this.send(call);
    if (answer.status !== 207 && answer.status !== 200) throw statusFailure(answer, call, this.who);
    return multistatusOf(answer, call);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

/**
 * The dispatcher of a CardDAV source's requests (its OAuth token request too): the private CA besides the usual
 * roots, the timeout on connect, headers and body, and the proxy of HTTPS_PROXY / HTTP_PROXY (NO_PROXY honoured).
 */
export function davDispatcher(options: { ca?: string; timeoutMs: number }): Dispatcher {
  const connect = { timeout: options.timeoutMs, ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }) };
  const settings = { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, connect };
  const envProxy = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((name) => process.env[name]);
  return envProxy ? new EnvHttpProxyAgent({ ...settings, requestTls: connect }) : new Agent(settings);
}

export type Multistatus = ReturnType<typeof readMultistatus>;

/** The responses of a multistatus answer; a body that is not one, or not whole, throws a DavError (malformed). */
export function multistatusOf(answer: DavAnswer, call: DavRequest): Multistatus {
  try {
    return readMultistatus(parseXml(answer.text));
  } catch (err) {
    if (!(err instanceof XmlShapeError)) throw err;
    return failMalformed(answer, call, err.message);
  }
}

/** Throws the DavError for an answer that is not what the protocol says. */
export function failMalformed(answer: DavAnswer, call: DavRequest, why: string): never {
  throw new DavError("malformed", `CardDAV ${describe(call)}: the answer (HTTP ${answer.status}) is not the WebDAV multistatus expected: ${why}`, {
    status: answer.status,
    bodyExcerpt: excerpt(answer.text),
    hint: "Check that the URL is a CardDAV server's (an HTML page means a login or error page); nothing was taken from this answer.",
  });
}

/** "PROPFIND http://host/path" with secrets masked: how messages name a request. */
export function describe(call: { method: string; url: URL }): string {
  return `${call.method} ${redactUrl(call.url)}`;
}

/** How a connection failure names what failed: the message's start, and the option that holds the URL (for hints). */
export interface FailureSubject {
  prefix: string;
  urlOption: string;
}

/**
 * The DavError for a request that got no complete answer: cancelled, timed out, a TLS certificate refused, nothing
 * listening, a name that does not resolve, a connection cut. `subject` names the request (default: the CardDAV one).
 */
export function connectionFailure(
  err: unknown,
  call: { method: string; url: URL },
  state: { timedOut: boolean; cancelled: boolean; timeoutMs: number },
  subject: FailureSubject = { prefix: `CardDAV ${describe(call)}`, urlOption: "the CardDAV URL" },
): DavError {
  const { prefix, urlOption } = subject;
  if (state.cancelled && !state.timedOut) return new DavError("cancelled", `${prefix}: cancelled`, { cause: err, hint: "The read was cancelled (a shutdown or an abort)." });
  if (state.timedOut) {
    return new DavError("timeout", `${prefix}: no complete answer within ${state.timeoutMs} ms`, { cause: err, hint: "Raise the source's timeoutMs, or check the server's load." });
  }
  const codes = errorCodes(err);
  const detail = err instanceof Error ? err.message : String(err);
  const code = codes[0] ?? "network error";
  const tls = codes.find((each) => each.startsWith("ERR_TLS_") || each.startsWith("ERR_SSL_") || /CERT|SELF_SIGNED|LEAF_SIGNATURE|HOSTNAME_MISMATCH/.test(each));
  if (tls) {
    return new DavError("tls", `${prefix}: the server's TLS certificate was refused (${tls}): ${detail}`, {
      cause: err,
      field: "caFile",
      hint: "Give the CA that signed the server's certificate with caFile (verification stays on).",
    });
  }
  if (codes.includes("ECONNREFUSED")) {
    return new DavError("network", `${prefix}: nothing listens at ${call.url.host} (ECONNREFUSED)`, { cause: err, hint: `Check the host and port of ${urlOption}, and that the server runs.` });
  }
  if (codes.some((each) => ["ENOTFOUND", "EAI_AGAIN", "EAI_NODATA", "EAI_FAIL", "EAI_NONAME"].includes(each))) {
    return new DavError("network", `${prefix}: the host name does not resolve (${code})`, { cause: err, hint: `Check the host name in ${urlOption}.` });
  }
  if (codes.some((each) => ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_RES_CONTENT_LENGTH_MISMATCH", "ECONNABORTED"].includes(each))) {
    return new DavError("network", `${prefix}: the connection was cut before the answer was complete (${code}: ${detail})`, {
      cause: err,
      hint: "The server or a proxy in between closed the connection: check their logs; nothing was read from this answer.",
    });
  }
  return new DavError("network", `${prefix}: ${code}: ${detail}`, { cause: err });
}

/** A one-line excerpt of an answer body for messages, secrets masked before the cut. */
export function excerpt(text: string): string {
  const line = redact(text).replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * The DavError for an answer whose status is not the one expected: 401/403 as refused credentials (the user and
 * URL named, never the password), 404 as a missing resource, anything else with a body excerpt.
 */
export function statusFailure(answer: DavAnswer, call: DavRequest, who: string | undefined): DavError {
  const { status } = answer;
  const at = redactUrl(call.url);
  if (status === 401 || status === 403) {
    const reason =
      status === 401
        ? who === undefined
          ? "it asks for a user name and password"
          : who === "the token"
            ? "wrong or expired token"
            : "wrong user name or password"
        : "this user may not read it";
    const subject = who === undefined ? `CardDAV server refused access at ${at}` : `CardDAV server refused ${who} at ${at}`;
    return new DavError("auth", `${subject} (HTTP ${status}): ${reason}`, {
      status,
      hint:
        status === 401
          ? "Check the CardDAV source's username and password (many servers want an app password), or its token."
          : "Check that the URL is this user's own address book or server URL, and the user's rights on the server.",
    });
  }
  const body = excerpt(answer.text);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(answer.headers["retry-after"]) : undefined;
  const details = { status, bodyExcerpt: body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status >= 300 && status < 400) {
    const location = answer.headers["location"];
    const target = typeof location === "string" && URL.canParse(location, call.url.href) ? ` to ${redactUrl(new URL(location, call.url))}` : "";
    return new DavError("status", `CardDAV ${describe(call)}: moved (HTTP ${status})${target}`, { ...details, hint: "Give the URL the server moved to in the CardDAV source's url." });
  }
  if (status === 404) {
    return new DavError("not-found", `CardDAV ${describe(call)}: nothing there (HTTP 404)`, { ...details, hint: "Check the CardDAV URL: it should be the server's URL or an address book's." });
  }
  return new DavError("status", `CardDAV ${describe(call)}: HTTP ${status}${body ? `: ${body}` : ""}`, details);
}

/** pchar of RFC 3986: what a path segment may hold unescaped. */
const SEGMENT_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

/**
 * An href (a path or an absolute URL, percent-encoded as the server liked) as the path of `base`'s server with
 * every segment decoded: "/alice/book/Zoë one.vcf". Hrefs of one resource compare equal however each was encoded.
 */
export function davPath(href: string, base: URL): string {
  const { pathname } = new URL(href, base);
  return pathname
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment; // a stray "%" stays as written
      }
    })
    .join("/");
}

/** A decoded path (see davPath) encoded again for a request: each segment percent-encoded but for RFC 3986's pchar. */
export function encodePath(path: string): string {
  return path
    .split("/")
    .map((segment) => [...segment].map((char) => (SEGMENT_SAFE.test(char) ? char : encodeURIComponent(char))).join(""))
    .join("/");
}

/** The URL of a decoded path on `base`'s server. */
export function urlOfPath(path: string, base: URL): URL {
  return new URL(encodePath(path), base.origin);
}

/** A URL without credentials; user and password in it go to the auth options when those are not given. */
export function splitCredentials(options: DavOptions): { url: URL; options: DavOptions } {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new DavError("malformed", `invalid CardDAV URL "${redactUrl(options.url)}": give an http:// or https:// URL`, { field: "url" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DavError("malformed", `invalid CardDAV URL "${redactUrl(url)}": use http:// or https://`, { field: "url" });
  }
  if (url.username === "" && url.password === "") return { url, options };
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  const withAuth = options.username === undefined && options.token === undefined ? { ...options, username, password } : options;
  return { url, options: withAuth };
}
