// The viewer's login: refused exposed without one (the real CLI), Basic with a password hash, a bearer token that no
// page shows, failed logins limited per address and logged without what was tried; `serve` without the PBX token.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createLogger } from "../../src/logger.js";
import { redact } from "../../src/redact.js";
import { CONTENT_SECURITY_POLICY } from "../../src/web/headers.js";
import { hashPassword, parsePasswordHash, verifyPassword } from "../../src/web/password.js";
import { resolveViewerAuth } from "../../src/web/viewer-config.js";
import { CLI, ROOT, runCli, startCli } from "../helpers/cli.js";
import { Collector } from "../helpers/collect.js";
import { tempDir } from "../helpers/temp.js";
import { APP, get, seedViewerStore, serveViewer, type Seeded } from "./web-seed.js";

const PASSWORD = "correct horse battery staple";
const TOKEN = "viewer-token-5f0c9e2a7b41d3e8";
/** The viewer's variables unset, whatever the shell running the tests has. */
const NO_VIEWER_ENV = { PBSYNC_VIEWER_PASSWORD_HASH: undefined, PBSYNC_VIEWER_TOKEN: undefined, PBSYNC_VIEWER_USER: undefined };

let seeded: Seeded;
let passwordHash: string;

beforeAll(async () => {
  seeded = await seedViewerStore();
  passwordHash = await hashPassword(PASSWORD);
});

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

/** A viewer of its own (its own failed-login count), with a password hash and a token, logging into `log`. */
async function protectedViewer(log = new Collector()) {
  const auth = resolveViewerAuth({ passwordHash, token: TOKEN }, {});
  const logger = createLogger({ level: "info", destination: log });
  const { base } = await serveViewer(seeded.file, { auth, logger });
  return { base, log };
}

describe("viewer login", () => {
  it("asks for a login without credentials, and lets the right password or token in", async () => {
    const { base } = await protectedViewer();
    const anonymous = await get(`${base}/runs/${seeded.big}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="phonebook-sync reports", charset="UTF-8"');
    expect(anonymous.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(anonymous.text).not.toContain("Rossi");
    expect((await get(`${base}/assets/app.js`)).status).toBe(401);

    expect((await get(`${base}/runs/${seeded.big}`, { headers: basic("admin", PASSWORD) })).status).toBe(200);
    expect((await get(`${base}/assets/app.css`, { headers: basic("admin", PASSWORD) })).status).toBe(200);
    expect((await get(`${base}/`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await get(`${base}/`, { headers: basic("root", PASSWORD) })).status).toBe(401);
    expect((await get(`${base}/`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
  });

  it("answers 429 with Retry-After after five wrong passwords from one address, even to the right one, and logs no password", async () => {
    const { base, log } = await protectedViewer();
    for (let i = 1; i <= 5; i++) {
      const wrong = await get(`${base}/`, { headers: basic("admin", `wrong-password-${i}`) });
      expect({ attempt: i, status: wrong.status }).toEqual({ attempt: i, status: 401 });
    }
    const blocked = await get(`${base}/`, { headers: basic("admin", "wrong-password-6") });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(blocked.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect((await get(`${base}/`, { headers: basic("admin", PASSWORD) })).status).toBe(429);

    const lines = log.text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line["msg"] === "viewer login failed")).toHaveLength(5);
    expect(lines.some((line) => line["msg"] === "viewer: too many failed logins from this address, refusing it for a while" && line["client"] === "127.0.0.1")).toBe(true);
    expect(log.text).not.toContain("wrong-password");
    expect(log.text).not.toContain(Buffer.from("admin:wrong-password-1").toString("base64"));
  });

  it("never shows the token or the hash in a page, and keeps both out of logs", async () => {
    const { base } = await protectedViewer();
    const headers = { authorization: `Bearer ${TOKEN}` };
    const paths = ["/", `/runs/${seeded.big}`, `/runs/${seeded.running}`, "/jobs/crm", `/contacts/${APP}/x-img`, `/runs/${seeded.big}/export.csv`, `/runs/${seeded.big}/export.json`, `/runs/${seeded.big}/events`, "/nowhere", "/assets/app.js"];
    for (const where of paths) {
      const answer = await get(`${base}${where}`, { headers });
      expect({ where, status: answer.status < 500 }).toEqual({ where, status: true });
      expect(answer.text).not.toContain(TOKEN);
      expect(answer.text).not.toContain(passwordHash);
    }
    expect(redact(`token ${TOKEN} hash ${passwordHash}`)).toBe("token *** hash ***");
  });

  it("makes and checks scrypt hashes; a hash that is not one is refused naming its setting", async () => {
    const parsed = parsePasswordHash(passwordHash, "viewer.passwordHash");
    expect(await verifyPassword(PASSWORD, parsed)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, parsed)).toBe(false);
    expect(passwordHash).toMatch(/^scrypt:16384:8:1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$/);
    expect(() => resolveViewerAuth(undefined, { PBSYNC_VIEWER_PASSWORD_HASH: "scrypt:3:8:1:abcdefghijklmnopqrstuv:abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq" })).toThrow(
      /PBSYNC_VIEWER_PASSWORD_HASH is not a password hash/,
    );
    expect(() => resolveViewerAuth(undefined, { PBSYNC_VIEWER_TOKEN: "short" })).toThrow(/PBSYNC_VIEWER_TOKEN: the viewer token is too short/);
  });
});

describe("phonebook-sync serve (the CLI)", () => {
  it("refuses to listen beyond loopback without a login, naming the ways to give one", async () => {
    const result = await runCli(["serve", "--store", seeded.file, "--host", "0.0.0.0", "--port", "0"], { env: NO_VIEWER_ENV, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the report viewer would listen on 0.0.0.0 (--host) without a login");
    for (const option of ["viewer.passwordHash", "viewer.token", "PBSYNC_VIEWER_PASSWORD_HASH", "PBSYNC_VIEWER_TOKEN", "--hash-password"]) expect(result.stderr).toContain(option);
    expect(result.stdout).not.toContain("Report viewer on");
  });

  it("starts from a configuration whose PBX token variable is unset, serves the store, and stops on SIGTERM with 0", async () => {
    const dir = await tempDir("pbsync-serve-");
    const config = path.join(dir, "config.yaml");
    await writeFile(config, stringify({ pbx: { url: "https://pbx.example", token: "${VOISPEED_TOKEN}" }, store: { client: "sqlite", filename: seeded.file }, jobs: [{ name: "crm" }] }));
    const env = { ...NO_VIEWER_ENV, VOISPEED_TOKEN: undefined };
    const { child, match, output } = await startCli(["serve", "--config", config, "--port", "0"], /Report viewer on (http:\/\/127\.0\.0\.1:\d+)/, { env });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const page = await get(`${match[1]}/runs/${seeded.big}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain("Rossi 1");
      expect(output()).toContain("login: none (this machine only)");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output()).toContain("Report viewer stopped (SIGTERM)");
  });

  it("listens beyond loopback with the hash from the environment and its config's viewer section, and asks for the login", async () => {
    const dir = await tempDir("pbsync-serve-");
    const config = path.join(dir, "config.yaml");
    await writeFile(config, stringify({ store: { filename: seeded.file }, viewer: { user: "reports", passwordHash: "${PBSYNC_VIEWER_PASSWORD_HASH}" } }));
    const env = { ...NO_VIEWER_ENV, PBSYNC_VIEWER_PASSWORD_HASH: passwordHash };
    const { child, output } = await startCli(["serve", "--config", config, "--host", "0.0.0.0", "--port", "0"], /Report viewer on http:\/\/0\.0\.0\.0:(\d+)/, { env });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const port = /Report viewer on http:\/\/0\.0\.0\.0:(\d+)/.exec(output())?.[1];
      expect(output()).toContain('login: required (password of user "reports")');
      expect((await get(`http://127.0.0.1:${port}/`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/`, { headers: basic("reports", PASSWORD) })).status).toBe(200);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(output()).not.toContain(passwordHash);
  });

  it("hashes a password piped in, and refuses a short one", async () => {
    const hash = await hashWithCli("a long enough password\n");
    expect(hash.code).toBe(0);
    const line = hash.stdout.trim();
    expect(await verifyPassword("a long enough password", parsePasswordHash(line, "output"))).toBe(true);
    const short = await hashWithCli("short\n");
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("the password is too short: use at least 8 characters");
  });
});

function hashWithCli(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "serve", "--hash-password"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
