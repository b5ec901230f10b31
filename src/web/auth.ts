// The viewer's login: HTTP Basic against the password hash, or a bearer token; failed logins limited per address.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.js";
import { clientAddress, type ViewerEnv } from "./context.js";
import { verifyPassword } from "./password.js";
import { FailureLimiter, type FailureLimitOptions } from "./rate-limit.js";
import type { ViewerAuth } from "./viewer-config.js";

export const REALM = "phonebook-sync reports";
/** Accepted Authorization headers remembered (as keyed digests), so a page's assets do not each cost a scrypt. */
const ACCEPTED_CACHE = 64;

function sameText(a: string, b: string): boolean {
  // Digests first: timingSafeEqual needs equal lengths, and the lengths must not leak either.
  const key = randomBytes(32);
  const left = createHmac("sha256", key).update(a).digest();
  const right = createHmac("sha256", key).update(b).digest();
  return timingSafeEqual(left, right);
}

/** Checks Authorization headers; successful ones are remembered by an HMAC under a key that lives in memory only. */
export class CredentialCheck {
  private readonly accepted = new Set<string>();
  private readonly cacheKey = randomBytes(32);

  constructor(private readonly auth: ViewerAuth) {}

  async check(header: string): Promise<boolean> {
    const digest = createHmac("sha256", this.cacheKey).update(header).digest("base64");
    if (this.accepted.has(digest)) return true;
    const ok = await this.verify(header);
    if (ok) {
      if (this.accepted.size >= ACCEPTED_CACHE) this.accepted.clear();
      this.accepted.add(digest);
    }
    return ok;
  }

  private async verify(header: string): Promise<boolean> {
    const match = /^(\w+)\s+(\S+)\s*$/.exec(header);
    if (!match) return false;
    const [, scheme = "", value = ""] = match;
    if (scheme.toLowerCase() === "bearer") return this.auth.token !== null && sameText(value, this.auth.token);
    if (scheme.toLowerCase() !== "basic" || this.auth.passwordHash === null) return false;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const userOk = sameText(decoded.slice(0, colon), this.auth.user);
    const passwordOk = await verifyPassword(decoded.slice(colon + 1), this.auth.passwordHash);
    return userOk && passwordOk;
  }
}

function refusal(status: 401 | 429, text: string, headers: Record<string, string>): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers } });
}

/** Every request must log in; an address with too many recent failures gets 429 and Retry-After, whatever it sends. */
export function requireLogin(auth: ViewerAuth, logger: Logger, limits: FailureLimitOptions = {}): MiddlewareHandler<ViewerEnv> {
  const check = new CredentialCheck(auth);
  const limiter = new FailureLimiter(limits);
  const challenge = { "www-authenticate": `Basic realm="${REALM}", charset="UTF-8"` };
  const tooMany = (waitMs: number) => refusal(429, "too many failed logins from your address: try again later", { "retry-after": String(Math.ceil(waitMs / 1000)) });
  return async (c, next) => {
    const address = clientAddress(c);
    const blocked = limiter.blockedFor(address);
    if (blocked > 0) return tooMany(blocked);
    const header = c.req.header("authorization");
    if (header === undefined || header.trim() === "") return refusal(401, "log in to read the reports", challenge);
    if (await check.check(header)) {
      limiter.succeed(address);
      return next();
    }
    const failures = limiter.fail(address);
    const word = /^\w+\s/.exec(header)?.[0]?.trim().toLowerCase();
    const scheme = word === "basic" || word === "bearer" ? word : "other";
    // Never the header itself: it holds the password or the token that was tried.
    logger.warn({ client: address, scheme, failures }, "viewer login failed");
    const wait = limiter.blockedFor(address);
    if (wait > 0) {
      logger.warn({ client: address, failures, retryAfterS: Math.ceil(wait / 1000) }, "viewer: too many failed logins from this address, refusing it for a while");
    }
    return refusal(401, "wrong user, password or token", challenge);
  };
}
