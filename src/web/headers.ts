// The headers every viewer response carries (a strict Content-Security-Policy and friends), and read-only methods.
import type { MiddlewareHandler } from "hono";
import type { ViewerEnv } from "./context.js";

/** Scripts, styles and connections from our own origin only; no inline code anywhere, no frames, no plugins. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** Outermost: set after the handler (and the error and not-found pages), so no response goes out without them. */
export const securityHeaders: MiddlewareHandler<ViewerEnv> = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
};

export const ALLOWED_METHODS = "GET, HEAD";

/** The viewer only reads: any other method gets 405 before the login is even looked at. */
export const readOnly: MiddlewareHandler<ViewerEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  return new Response("method not allowed: the report viewer only reads\n", {
    status: 405,
    headers: { allow: ALLOWED_METHODS, "content-type": "text/plain; charset=utf-8" },
  });
};
