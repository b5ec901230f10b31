// Keeps secrets (the PBX token, database passwords) out of everything we print or store, in every escaped form.

const MASK = "***";

/**
 * Secrets shorter than this are not masked wherever they appear: a one-letter database password masked
 * everywhere would eat that letter out of every message. They are masked where they stand as the value of a
 * secret field instead (`password=ab`, `"password":"ab"`, `password: ab`), so they never show as a secret's
 * value, while ordinary text stays readable. A PBX token is longer than this anyway (the config schema says so).
 */
const MIN_ANYWHERE = 3;

/** Field and parameter names whose value is a secret, whatever that value is. */
const SECRET_KEYS = "token|password|passwd|pwd|secret|client_?secret|api_?key|api_?token|access_?token|refresh_?token|hapikey";

const secrets = new Set<string>();
const shortSecrets = new Set<string>();
/** One pattern for every form of every registered secret; rebuilt on the first redact after a registration. */
let compiled: { anywhere: RegExp | null; inField: RegExp | null } | undefined;

/** Registers a secret: from now on `redact` replaces it, raw or escaped, wherever it appears. */
export function registerSecret(secret: string | undefined | null): void {
  if (!secret) return;
  const target = secret.length >= MIN_ANYWHERE ? secrets : shortSecrets;
  if (target.has(secret)) return;
  target.add(secret);
  compiled = undefined;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  shortSecrets.clear();
  compiled = undefined;
}

type Escape = (text: string) => string;

const hex4 = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
const json: Escape = (text) => JSON.stringify(text).slice(1, -1);
/** Python's json.dumps and PHP's json_encode write non-ASCII as \u escapes; PHP also escapes "/". */
const jsonAscii: Escape = (text) => json(text).replace(/[\u007f-\uffff]/g, hex4);
const jsonPhp: Escape = (text) => jsonAscii(text).replace(/\//g, "\\/");
const htmlNamed: Escape = (text) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const htmlHex: Escape = (text) => htmlNamed(text).replace(/&#39;/g, "&#x27;");
const htmlNumeric: Escape = (text) =>
  text.replace(/&/g, "&#38;").replace(/</g, "&#60;").replace(/>/g, "&#62;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");
const uri: Escape = (text) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return text; // a lone surrogate cannot be encoded, so it is never sent encoded either
  }
};
/** application/x-www-form-urlencoded, as URLSearchParams writes a query string: "+" for a space, more escaped. */
const form: Escape = (text) => new URLSearchParams({ v: text }).toString().slice(2);

const ESCAPES: readonly Escape[] = [(text) => text, json, jsonAscii, jsonPhp, htmlNamed, htmlHex, htmlNumeric, uri, form];

/**
 * Every way a secret may be written: raw, JSON-escaped (a pino line), HTML-escaped (the viewer), URL-encoded,
 * and one escape inside another (a JSON body quoted in a log line, an error body shown in a page), with hex
 * digits in either case.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  for (const outer of ESCAPES) for (const inner of ESCAPES) forms.add(outer(inner(secret)));
  for (const value of [...forms]) {
    forms.add(value.replace(/%[0-9A-F]{2}/g, (code) => code.toLowerCase()));
    forms.add(value.replace(/\\u[0-9a-f]{4}/g, (code) => `\\u${code.slice(2).toUpperCase()}`));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function alternation(values: Iterable<string>): string | null {
  const forms = [...new Set([...values].flatMap(secretForms))].sort((a, b) => b.length - a.length);
  return forms.length === 0 ? null : forms.map(escapeRegExp).join("|");
}

function compile(): NonNullable<typeof compiled> {
  const anywhere = alternation(secrets);
  const short = alternation(shortSecrets);
  // A short secret counts only right after a secret key and its ":" or "=", up to the end of the value.
  const quote = `(?:\\\\*["'])?`;
  const inField = short === null ? null : new RegExp(`((?<![A-Za-z0-9])(?:${SECRET_KEYS})${quote}\\s*[:=]\\s*${quote})(?:${short})(?=\\\\*["'&,;}\\s]|$)`, "gi");
  return { anywhere: anywhere === null ? null : new RegExp(anywhere, "g"), inField };
}

const SECRET_PARAMS = /([?&](?:token|password|passwd|pwd|api_key|apikey|api_token|access_token|hapikey|key)=)[^&#\s"'<]*/gi;
const SECRET_JSON_FIELDS = new RegExp(`("(?:${SECRET_KEYS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, "gi");

/**
 * Masks every registered secret in every escaped form, the value of token-like query parameters, and the value
 * of secret-named JSON fields, in a text.
 */
export function redact(text: string): string {
  compiled ??= compile();
  let out = text.replace(SECRET_PARAMS, `$1${MASK}`).replace(SECRET_JSON_FIELDS, `$1"${MASK}"`);
  if (compiled.anywhere) out = out.replace(compiled.anywhere, MASK);
  if (compiled.inField) out = out.replace(compiled.inField, `$1${MASK}`);
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
