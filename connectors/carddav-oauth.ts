// OAuth 2.0 for the CardDAV source (Google's CardDAV takes nothing else): the refresh-token grant, one access token
// per opened source, registered as a secret before anything can print it; refusals say what to do about them.
import { request } from "undici";
import { linkSignals } from "../src/linked-signal.js";
import { redactUrl } from "../src/redact.js";
import { parseRetryAfter } from "../src/retry.js";
import type { CarddavOAuth2 } from "./carddav-config.js";
import { DavError, connectionFailure, davDispatcher, excerpt } from "./carddav-http.js";

/** How the token request goes out: as the DAV client's requests do. */
export interface TokenRequestOptions {
  /** PEM text of a private CA (the source's caFile). */
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Where the access token (and the client's secrets) are registered: ctx.registerSecret or the process-wide one. */
  registerSecret: (secret: string) => void;
}

/** The server's own words on a refusal (RFC 6749 §5.2): not secret, quoted in messages. */
interface OAuthRefusal {
  error?: string;
  description?: string;
}

/**
 * Exchanges the refresh token for an access token (grant_type=refresh_token, the client's ID and secret in the
 * form, as Google takes them). Every failure is a DavError (SOURCE_CARDDAV) naming the token URL and the client ID,
 * never the client secret, the refresh token or an access token.
 */
export async function fetchAccessToken(oauth: CarddavOAuth2, options: TokenRequestOptions): Promise<string> {
  options.registerSecret(oauth.clientSecret);
  options.registerSecret(oauth.refreshToken);
  const url = new URL(oauth.tokenUrl);
  const form = new URLSearchParams({ grant_type: "refresh_token", client_id: oauth.clientId, client_secret: oauth.clientSecret, refresh_token: oauth.refreshToken });
  if (oauth.scope !== undefined) form.set("scope", oauth.scope);
  const prefix = `CardDAV OAuth2 token request for client "${oauth.clientId}" (POST ${redactUrl(url)})`;
  const dispatcher = davDispatcher(options);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const linked = linkSignals([timeout, options.signal]);
  let answer: { status: number; retryAfter: string | string[] | undefined; text: string };
  try {
    const response = await request(url, {
      dispatcher,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
      signal: linked.signal,
    });
    answer = { status: response.statusCode, retryAfter: response.headers["retry-after"], text: await response.body.text() };
  } catch (err) {
    const state = { timedOut: timeout.aborted, cancelled: options.signal?.aborted === true, timeoutMs: options.timeoutMs };
    throw connectionFailure(err, { method: "POST", url }, state, { prefix, urlOption: "oauth2.tokenUrl" });
  } finally {
    linked.dispose();
    await dispatcher.close();
  }
  if (answer.status !== 200) throw refusal(prefix, answer.status, answer.text, answer.retryAfter);
  return accessTokenOf(prefix, answer.text, options.registerSecret);
}

/** The access token of a 200 answer, registered before anything else is done with it. */
function accessTokenOf(prefix: string, text: string, registerSecret: (secret: string) => void): string {
  let token: unknown;
  try {
    token = (JSON.parse(text) as { access_token?: unknown } | null)?.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") {
    // The body is not quoted: an answer in an unexpected shape may still carry a token.
    throw new DavError("malformed", `${prefix}: the answer (HTTP 200) is not JSON with an access_token`, {
      status: 200,
      field: "oauth2.tokenUrl",
      hint: "Check that oauth2.tokenUrl is the OAuth 2.0 token endpoint (Google: https://oauth2.googleapis.com/token).",
    });
  }
  registerSecret(token);
  return token;
}

/** The DavError for a token endpoint that said no: a refresh token revoked or expired, a client refused, or another status. */
function refusal(prefix: string, status: number, text: string, retryAfter: string | string[] | undefined): DavError {
  const { error, description } = refusalOf(text);
  const words = error === undefined ? "" : `, ${error}${description === undefined ? "" : `: ${description}`}`;
  if ((status === 400 || status === 401) && error === "invalid_grant") {
    return new DavError("auth", `${prefix}: the refresh token was refused (HTTP ${status}${words})`, {
      status,
      field: "oauth2.refreshToken",
      hint:
        "The refresh token was revoked or has expired (Google ends it when the user removes the app's access, after 6 months unused, " +
        'and after 7 days while the OAuth consent screen is in "Testing"): make a new one as docs/carddav.md says and put it in oauth2.refreshToken.',
    });
  }
  if ((status === 400 || status === 401) && error !== undefined) {
    const client = error === "invalid_client" || error === "unauthorized_client";
    return new DavError("auth", `${prefix}: ${client ? "the client was refused" : "refused"} (HTTP ${status}${words})`, {
      status,
      field: client ? "oauth2.clientId" : "oauth2",
      hint: client
        ? "Check oauth2.clientId and oauth2.clientSecret: the OAuth client's, from the Google Cloud console's Credentials page; the refresh token must have been made with that client."
        : "Check the source's oauth2 settings (clientId, clientSecret, scope) against the OAuth client's.",
    });
  }
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined;
  const body = excerpt(text);
  return new DavError(status === 401 || status === 403 ? "auth" : "status", `${prefix}: HTTP ${status}${words || (body ? `: ${body}` : "")}`, {
    status,
    ...(body ? { bodyExcerpt: body } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    hint: "Check oauth2.tokenUrl (Google: https://oauth2.googleapis.com/token) and the token endpoint's status.",
  });
}

/** The `error` and `error_description` of an OAuth error answer (one line each, at most 200 characters). */
function refusalOf(text: string): OAuthRefusal {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  const field = (name: string): string | undefined => {
    const value = body !== null && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
    if (typeof value !== "string" || value.trim() === "") return undefined;
    const line = value.replace(/\s+/g, " ").trim();
    return line.length > 200 ? `${line.slice(0, 200)}...` : line;
  };
  const error = field("error");
  const description = field("error_description");
  return { ...(error === undefined ? {} : { error }), ...(description === undefined ? {} : { description }) };
}
