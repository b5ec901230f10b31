// redact(): every escaped form of a registered secret is masked (JSON, HTML, URL), and short secrets in secret fields.
import { afterEach, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { createLogger } from "../../src/logger.js";
import { clearSecrets, redact, redactUrl, registerSecret } from "../../src/redact.js";
import { excerpt } from "../../src/pbx/xml.js";

afterEach(() => clearSecrets());

// A quote, a backslash, an apostrophe, a space, an ampersand and non-ASCII: each escapes differently in each format.
const SECRET = `tok"en\\x y'&é€-Q7k`;
/** Present in every escaped form of SECRET (letters survive every escaping): its absence proves nothing leaked. */
const MARK = "Q7k";

function json(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function asciiJson(text: string): string {
  return json(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

describe("redact", () => {
  it("masks the raw secret", () => {
    registerSecret(SECRET);
    expect(redact(`before ${SECRET} after`)).toBe("before *** after");
  });

  it.each([
    ["JSON-escaped (a pino log line)", json(SECRET)],
    ["JSON-escaped twice (a JSON body quoted in a log line)", json(json(SECRET))],
    ["JSON-escaped with \\u escapes for non-ASCII (Python, PHP)", asciiJson(SECRET)],
    ["JSON-escaped with \\u escapes and an escaped slash (PHP json_encode)", asciiJson(`${SECRET}/`).replace(/\//g, "\\/")],
    ["HTML-escaped with &quot; and &#39;", html(SECRET)],
    ["HTML-escaped with numeric entities", SECRET.replace(/&/g, "&#38;").replace(/"/g, "&#34;").replace(/'/g, "&#39;")],
    ["HTML-escaped with &#x27; (Python html.escape)", html(SECRET).replace(/&#39;/g, "&#x27;")],
    ["HTML-escaped JSON (an error body shown in the viewer)", html(json(SECRET))],
    ["URL-encoded (encodeURIComponent)", encodeURIComponent(SECRET)],
    ["URL-encoded with lower-case hex", encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (c) => c.toLowerCase())],
    ["form-encoded (URLSearchParams: + for a space)", new URLSearchParams({ v: SECRET }).toString().slice(2)],
  ])("masks the secret %s", (_what, form) => {
    registerSecret(SECRET);
    expect(form).not.toBe(SECRET);
    const out = redact(`error: the server said "${form}" and stopped`);
    expect(out).not.toContain(MARK);
    expect(out).toContain("***");
    expect(out.startsWith("error: the server said ")).toBe(true);
  });

  it("masks the JSON-escaped secret in a log line written by pino", () => {
    registerSecret(SECRET);
    let written = "";
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    // The message holds the raw secret; pino escapes it, so the line holds only the escaped form.
    createLogger({ destination, level: "info" }).error({ err: { message: `PBX said ${SECRET}`, body: `{"token":"${json(SECRET)}"}` } }, "failed");
    expect(written).toContain("failed");
    expect(written).not.toContain(MARK);
  });

  it("masks a secret in the query string of a URL, however it was encoded", () => {
    registerSecret(SECRET);
    const url = new URL("https://pbx.example.com/PBX/seri_endpoint.php");
    url.searchParams.set("other", SECRET);
    expect(redactUrl(url)).not.toContain(MARK);
    expect(redact(url.toString())).not.toContain(MARK);
  });

  it("leaves text without a secret as it is", () => {
    registerSecret(SECRET);
    const text = `contact "Anna" <anna@example.com> & 'Bob' \\ é€ %22 &quot;`;
    expect(redact(text)).toBe(text);
  });

  it("masks a short database password where it is the value of a secret field, and nowhere else", () => {
    registerSecret("a");
    registerSecret('"\\');
    expect(redact("password=a&user=bob")).toBe("password=***&user=bob");
    expect(redact('{"user":"bob","password":"a"}')).toBe('{"user":"bob","password":"***"}');
    expect(redact("password: a")).toBe("password: ***");
    expect(redact('{"password":"\\"\\\\"}')).toBe('{"password":"***"}');
    expect(redact("a banana at a bar")).toBe("a banana at a bar");
  });

  it("masks the value of a secret-named JSON field even when nobody registered it", () => {
    expect(redact('{"host":"db","password":"x\\"y","token":"t0k"}')).toBe('{"host":"db","password":"***","token":"***"}');
  });

  it("masks a secret registered after an earlier redaction", () => {
    registerSecret("first-secret");
    expect(redact("first-secret second-secret")).toBe("*** second-secret");
    registerSecret("second-secret");
    expect(redact("first-secret second-secret")).toBe("*** ***");
  });

  it("masks a secret before a message's excerpt cuts it, so no first half of it is printed", () => {
    const secret = "Excerpt-Cut-Secret-0123456789";
    registerSecret(secret);
    // The PBX's excerpt keeps 200 characters: the secret straddles the cut.
    const shown = excerpt(`<html>${"x".repeat(185)} ${secret} and more</html>`);
    expect(shown).not.toContain(secret.slice(0, 8));
    expect(shown).toContain("***");
  });
});
