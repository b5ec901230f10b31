// Logging in to a REST API: a fixed token, basic, an API key, or an OAuth2 client-credentials token fetched once per
// process and lifetime, refreshed before it expires and once when the API answers 401. Tokens are registered secrets.
import { SyncError, isSyncError } from "../src/errors.js";
import type { RestAuth } from "./rest-config.js";
import type { RestCall, RestHttp } from "./rest-http.js";

/** Refresh this long before the token's announced expiry (or half its lifetime, for a token that lives less than two minutes). */
const EXPIRY_MARGIN_MS = 60_000;

interface CachedToken {
  accessToken: string;
  /** When to fetch a new one: the expiry less the margin. */
  renewAt: number;
  /** Epoch ms; Infinity when the server gave no lifetime (Salesforce): then only a 401 renews it. */
  expiresAt: number;
}

/** Tokens by token endpoint, client and scope: a process (the daemon) asks once per lifetime, not once per run. */
const tokenCache = new Map<string, CachedToken>();

/** For tests: forget every cached token. */
export function clearTokenCache(): void {
  tokenCache.clear();
}

export class RestAuthenticator {
  constructor(
    private readonly auth: RestAuth,
    private readonly http: RestHttp,
    private readonly registerSecret: (secret: string) => void,
  ) {}

  /** The call with its credentials added (a header or a query parameter). */
  async apply(call: RestCall): Promise<RestCall> {
    const auth = this.auth;
    if (auth.type === "none") return call;
    if (auth.type === "bearer") return withHeader(call, "authorization", `Bearer ${auth.token}`);
    if (auth.type === "basic") return withHeader(call, "authorization", `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`);
    if (auth.type === "apiKey") {
      if (auth.in === "header") return withHeader(call, auth.name, auth.value);
      const url = new URL(call.url);
      url.searchParams.set(auth.name, auth.value);
      return { ...call, url };
    }
    const token = await this.token(call.signal);
    return withHeader(call, "authorization", `Bearer ${token.accessToken}`);
  }

  /** Sends with credentials; an OAuth token the API refuses (401) is renewed once and the call tried again. */
  async send(http: RestHttp, call: RestCall, what: string): ReturnType<RestHttp["send"]> {
    // Outside the try: a token endpoint that refuses the client is not a token to renew.
    const authorized = await this.apply(call);
    try {
      return await http.send(authorized, what);
    } catch (err) {
      if (this.auth.type !== "oauth2" || !isSyncError(err, "SOURCE_REST") || err.status !== 401) throw err;
      tokenCache.delete(this.cacheKey());
      return http.send(await this.apply(call), `${what} (with a renewed token)`);
    }
  }

  private cacheKey(): string {
    const auth = this.auth;
    if (auth.type !== "oauth2") return "";
    return JSON.stringify([auth.tokenUrl, auth.clientId, auth.scope ?? "", auth.params]);
  }

  private async token(signal: AbortSignal | undefined): Promise<CachedToken> {
    const key = this.cacheKey();
    const cached = tokenCache.get(key);
    if (cached && cached.renewAt > Date.now()) return cached;
    const fresh = await this.fetchToken(signal);
    tokenCache.set(key, fresh);
    return fresh;
  }

  private async fetchToken(signal: AbortSignal | undefined): Promise<CachedToken> {
    const auth = this.auth;
    if (auth.type !== "oauth2") throw new Error("fetchToken without oauth2");
    const form = new URLSearchParams({ grant_type: "client_credentials", ...auth.params });
    if (auth.scope) form.set("scope", auth.scope);
    const headers: Record<string, string> = {};
    if (auth.clientAuth === "basic") {
      headers["authorization"] = `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString("base64")}`;
    } else {
      form.set("client_id", auth.clientId);
      form.set("client_secret", auth.clientSecret);
    }
    let answer: Awaited<ReturnType<RestHttp["send"]>>;
    try {
      answer = await this.http.send({ method: "POST", url: new URL(auth.tokenUrl), headers, form, signal }, "OAuth2 token request");
    } catch (err) {
      if (!isSyncError(err) || (err.status !== 400 && err.status !== 401)) throw err;
      throw new SyncError("SOURCE_REST", `${err.message}`, {
        status: err.status,
        field: "auth",
        hint: "The token endpoint refused the client: check clientId, clientSecret (and scope, tenant) in the source's auth.",
      });
    }
    const body = answer.body as { access_token?: unknown; expires_in?: unknown } | null;
    const accessToken = body?.access_token;
    if (typeof accessToken !== "string" || accessToken === "") {
      throw new SyncError("SOURCE_REST", `OAuth2 token request to ${new URL(auth.tokenUrl).origin}: the answer has no access_token`, { field: "auth" });
    }
    this.registerSecret(accessToken);
    const seconds = Number(body?.expires_in);
    if (!Number.isFinite(seconds) || seconds <= 0) return { accessToken, expiresAt: Number.POSITIVE_INFINITY, renewAt: Number.POSITIVE_INFINITY };
    const lifetime = seconds * 1000;
    const now = Date.now();
    return { accessToken, expiresAt: now + lifetime, renewAt: now + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 2) };
  }
}

function withHeader(call: RestCall, name: string, value: string): RestCall {
  return { ...call, headers: { ...call.headers, [name]: value } };
}
