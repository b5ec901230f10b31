// A configuration file that other users can read and that writes a secret literally gets a warning naming file, keys and fix.
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { isLiteralSecret, literalSecretKeys } from "../../src/config/secret-exposure.js";
import { clearSecrets } from "../../src/redact.js";
import { tempDir } from "../helpers/temp.js";

const ENV = { VOISPEED_TOKEN: "env-token-123456", HOOK: "hook-credential", DB: "db-password" };

function configText(token: string, extra = ""): string {
  return `pbx: { url: "http://127.0.0.1:9/PBX/seri_endpoint.php", token: "${token}" }
store: { client: sqlite, filename: ./store.sqlite }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
${extra}`;
}

/** Loads a config file written with `mode`; the warnings it gave. */
async function warningsFor(text: string, mode: number): Promise<string[]> {
  const dir = await tempDir("pbsync-exposure-");
  await writeFile(path.join(dir, "mapping.yaml"), "version: 1\nexternalId: id\nfields:\n  name: name\n");
  const file = path.join(dir, "config.yaml");
  await writeFile(file, text);
  await chmod(file, mode);
  const warnings: string[] = [];
  await loadConfig(file, { env: ENV, warn: (message) => warnings.push(message) });
  clearSecrets();
  return warnings;
}

describe("secret exposure", () => {
  it("says nothing of the embedded emulator's token (the demo's), which opens no real PBX", async () => {
    const text = configText("demo-token-literal").replace('url: "http://127.0.0.1:9/PBX/seri_endpoint.php"', "url: embedded");
    expect(await warningsFor(text, 0o644)).toEqual([]);
  });

  it("warns about a literal PBX token in a file others can read, naming the file, the key and both fixes", async () => {
    const [warning, ...more] = await warningsFor(configText("literal-token-0123"), 0o644);
    expect(more).toEqual([]);
    expect(warning).toMatch(/config\.yaml holds a secret written literally \(pbx\.token\)/);
    expect(warning).toContain("mode 644");
    expect(warning).toMatch(/chmod 600 \S+config\.yaml/);
    expect(warning).toContain("${VARIABLE}");
    expect(warning).not.toContain("literal-token-0123");
  });

  it("says nothing when only the owner can read the file", async () => {
    expect(await warningsFor(configText("literal-token-0123"), 0o600)).toEqual([]);
  });

  it("says nothing when every secret comes from the environment", async () => {
    const notifications = `notifications:
  webhook: { url: "http://127.0.0.1:9/hook", headers: { Authorization: "Bearer \${HOOK}" } }
  email: { smtp: { host: mail, user: u, password: "\${DB}" }, from: a@example.com, to: b@example.com }
`;
    expect(await warningsFor(configText("${VOISPEED_TOKEN}", notifications), 0o640)).toEqual([]);
  });

  it("lists every literal secret: store and source passwords, SMTP, webhook headers, REST and CardDAV auth", () => {
    const document = {
      pbx: { token: "${VOISPEED_TOKEN:-fallback-token}" },
      store: { client: "mysql", connection: { password: "s3cret" } },
      notifications: { webhook: { url: "https://hooks.example.com/x", headers: { Authorization: "Bearer abc", "X-Env": "${HOOK}" } }, email: { smtp: { password: "smtp" } } },
      jobs: [
        { source: { type: "sql", connection: { password: "${DB}" } } },
        { source: { type: "rest", auth: { type: "apiKey", name: "x-api-key", value: "key-123" } } },
        { source: { type: "rest", auth: { type: "oauth2", clientId: "id", clientSecret: "cs" } } },
        { source: { type: "carddav", url: "https://www.googleapis.com/carddav/v1/", oauth2: { clientId: "id", clientSecret: "${CS}", refreshToken: "1//0g-refresh" } } },
      ],
    };
    expect(literalSecretKeys(document)).toEqual([
      "pbx.token",
      "store.connection.password",
      "notifications.webhook.headers.Authorization",
      "notifications.email.smtp.password",
      "jobs[1].source.auth.value",
      "jobs[2].source.auth.clientSecret",
      "jobs[3].source.oauth2.refreshToken",
    ]);
  });

  it("tells a reference from literal text", () => {
    expect(isLiteralSecret("${TOKEN}")).toBe(false);
    expect(isLiteralSecret("Bearer ${TOKEN}")).toBe(false);
    expect(isLiteralSecret("${A}${B}")).toBe(false);
    expect(isLiteralSecret("${TOKEN:-default-secret}")).toBe(true);
    expect(isLiteralSecret("pre-${TOKEN}")).toBe(true);
    expect(isLiteralSecret("$${TOKEN}")).toBe(true);
    expect(isLiteralSecret(42)).toBe(false);
  });
});
