// Keeps secrets (the PBX token, database passwords) out of everything we print or store.

const secrets = new Set<string>();
const MASK = "***";

/** Registers a secret: from now on `redact` replaces it wherever it appears. */
export function registerSecret(secret: string | undefined | null): void {
  // Very short values would mask ordinary words; a real token is never that short.
  if (secret && secret.length >= 3) secrets.add(secret);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}

const SECRET_PARAMS = /([?&](?:token|password|passwd|pwd|api_key|apikey|api_token|access_token|hapikey|key)=)[^&#\s"'<]*/gi;

/** Masks every registered secret and the value of token-like query parameters in a text. */
export function redact(text: string): string {
  let out = text.replace(SECRET_PARAMS, `$1${MASK}`);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(MASK);
  }
  return out;
}

/** A URL fit for printing: the token query parameter and any credentials are masked. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return redact(String(url));
  }
  if (parsed.password) parsed.password = MASK;
  for (const name of [...parsed.searchParams.keys()]) {
    if (/^(token|password|passwd|pwd|api_?key|api_?token|access_token|hapikey|key)$/i.test(name)) parsed.searchParams.set(name, MASK);
  }
  return redact(parsed.toString().replace(/%2A%2A%2A/g, MASK));
}
