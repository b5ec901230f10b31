// The OAuth side of a fake CRM API: client credentials checked exactly, access tokens issued, accepted and expired.
import { randomBytes } from "node:crypto";
import type { RestRequestSeen } from "../rest-server.js";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The client credentials of a token request: form fields, or an HTTP Basic header (RFC 6749 2.3.1). */
export function credentialsOf(request: RestRequestSeen): { form: URLSearchParams; clientId: string | null; clientSecret: string | null } {
  const form = new URLSearchParams(String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") ? request.body : "");
  const basic = /^Basic\s+(\S+)$/i.exec(String(request.headers.authorization ?? ""));
  if (basic?.[1]) {
    const [id, secret] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
    return { form, clientId: decodeURIComponent(id ?? ""), clientSecret: decodeURIComponent(secret ?? "") };
  }
  return { form, clientId: form.get("client_id"), clientSecret: form.get("client_secret") };
}

/** The bearer token of an API request, or null. */
export function bearerOf(request: RestRequestSeen, schemes = ["Bearer"]): string | null {
  const match = /^(\S+)\s+(\S+)$/.exec(String(request.headers.authorization ?? ""));
  return match?.[1] && match[2] && schemes.some((scheme) => scheme.toLowerCase() === match[1]?.toLowerCase()) ? match[2] : null;
}

export type TokenState = "valid" | "expired" | "unknown";

export class Tokens {
  /** Every token handed out, oldest first: a test checks none of them leaked. */
  readonly issued: string[] = [];
  private readonly expired = new Set<string>();

  constructor(private readonly make: () => string) {}

  issue(): string {
    const token = this.make();
    this.issued.push(token);
    return token;
  }

  state(token: string | null): TokenState {
    if (token === null || !this.issued.includes(token)) return "unknown";
    return this.expired.has(token) ? "expired" : "valid";
  }

  /** Every token issued so far stops working. */
  expireAll(): void {
    for (const token of this.issued) this.expired.add(token);
  }
}

/** Random characters of a token's alphabet. */
export function randomText(length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"): string {
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");
}
