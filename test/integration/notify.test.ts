// Notices of a job's change of state: which transitions are told, and their delivery to a real HTTP receiver and a real SMTP server.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import type { EmailConfig, WebhookConfig } from "../../src/config/notifications-schema.js";
import { SyncError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { clearSecrets } from "../../src/redact.js";
import { noticeKind, type RunNotice } from "../../src/scheduler/notice.js";
import { emailSubject, sendEmail } from "../../src/scheduler/notify-email.js";
import { sendWebhook } from "../../src/scheduler/notify-webhook.js";
import { Notifier } from "../../src/scheduler/notifier.js";
import type { RunCounts, RunStatus } from "../../src/store/types.js";
import { deadPort } from "../helpers/ports.js";
import { tempDir } from "../helpers/temp.js";

const HOOK_TOKEN = "Bearer hook-SECRET-77c1";
const SMTP_USER = "notifier";
const SMTP_PASSWORD = "smtp-PASS-93b2e";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  clearSecrets();
});

const COUNTS: RunCounts = {
  read: 120,
  skipped: 0,
  invalid: 2,
  duplicates: 0,
  unchanged: 100,
  inserted: 0,
  updated: 15,
  rejected: 0,
  warnings: 0,
  errors: 3,
  unconfirmed: 0,
  deleted: 0,
  kept: 0,
};

function notice(overrides: Partial<RunNotice> = {}): RunNotice {
  return {
    kind: "failure",
    job: "crm",
    appName: "crm-app",
    status: "failed",
    previousStatus: "success",
    runId: 42,
    trigger: "schedule",
    counts: COUNTS,
    error: "PBX request phonebook_import_sync failed: connection refused (ECONNREFUSED)",
    startedAt: new Date("2026-03-04T01:00:00.000Z"),
    endedAt: new Date("2026-03-04T01:02:05.500Z"),
    host: "sync-host-1",
    reportHint: "phonebook-sync reports show 42 --config /etc/phonebook-sync/config.yaml",
    ...overrides,
  };
}

// ---------------------------------------------------------------- HTTP receiver

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  host: string;
  requests: Received[];
  /** Open connections, as the server counts them. */
  connections(): Promise<number>;
}

/** An HTTP server on 127.0.0.1:0 that records each request (once its body arrived) and lets `answer` reply, or not. */
async function receiver(answer: (req: Received, res: http.ServerResponse, index: number) => void): Promise<Receiver> {
  const server = http.createServer();
  const requests: Received[] = [];
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(received);
      answer(received, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    connections: () => new Promise((resolve, reject) => server.getConnections((err, count) => (err ? reject(err) : resolve(count)))),
  };
}


async function eventually(check: () => Promise<boolean>, what: string, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The client has closed every socket it opened: the receiver sees no connection left. */
async function expectNoConnectionLeft(target: Receiver): Promise<void> {
  await eventually(async () => (await target.connections()) === 0, "the webhook client closed its connections");
}

function webhook(url: string, overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return { url, headers: {}, timeoutMs: 2000, attempts: 3, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

// ---------------------------------------------------------------- SMTP receiver

interface Mail {
  from: string | null;
  to: string[];
  user: string | undefined;
  raw: string;
}

interface SmtpReceiver {
  port: number;
  mails: Mail[];
  logins: { username: string | undefined; password: string | undefined }[];
}

/** A real SMTP server on 127.0.0.1:0 that requires the test user's login (over plain text: STARTTLS off) unless told otherwise. */
async function smtpReceiver(options: Partial<SMTPServerOptions> = {}): Promise<SmtpReceiver> {
  const state: SmtpReceiver = { port: 0, mails: [], logins: [] };
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    closeTimeout: 100,
    logger: false,
    onAuth(auth, _session, callback) {
      state.logins.push({ username: auth.username, password: auth.password ?? undefined });
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        state.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  state.port = (server.server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return state;
}

/** Headers (unfolded, by lower-case name) and the text body of a raw message, quoted-printable decoded. */
function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] ?? "")) {
    const bytes = body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    body = Buffer.from(bytes, "latin1").toString("utf8");
  }
  return { headers, body: body.replace(/\r\n/g, "\n") };
}

function email(port: number, overrides: Partial<EmailConfig> = {}, smtp: Partial<EmailConfig["smtp"]> = {}): EmailConfig {
  return {
    smtp: { host: "127.0.0.1", port, secure: false, user: SMTP_USER, password: SMTP_PASSWORD, timeoutMs: 2000, ...smtp },
    from: "phonebook-sync@example.test",
    to: ["ops@example.test", "pbx-admin@example.test"],
    subjectPrefix: "[phonebook-sync]",
    ...overrides,
  };
}

function logLines(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(chunk.toString("utf8"));
      callback();
    },
  });
  const logger = createLogger({ level: "info", destination });
  return {
    logger,
    get lines() {
      return raw.join("").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(""),
  };
}

// ---------------------------------------------------------------- noticeKind

describe("noticeKind", () => {
  const table: [RunStatus | null, RunStatus, ReturnType<typeof noticeKind>][] = [
    [null, "success", null],
    [null, "partial", "failure"],
    [null, "failed", "failure"],
    [null, "aborted", "failure"],
    ["success", "success", null],
    ["success", "partial", "failure"],
    ["success", "failed", "failure"],
    ["success", "aborted", "failure"],
    ["partial", "success", "recovery"],
    ["failed", "success", "recovery"],
    ["aborted", "success", "recovery"],
    ["partial", "partial", null],
    ["failed", "failed", null],
    ["aborted", "aborted", null],
    ["partial", "failed", "change"],
    ["partial", "aborted", "change"],
    ["failed", "partial", "change"],
    ["failed", "aborted", "change"],
    ["aborted", "partial", "change"],
    ["aborted", "failed", "change"],
    [null, "running", null],
    ["success", "running", null],
    ["failed", "running", null],
    ["running", "failed", null],
    ["running", "success", null],
  ];
  it.each(table)("after %s, a %s run gives the notice %s", (previous, current, expected) => {
    expect(noticeKind(previous, current)).toBe(expected);
  });
});

// ---------------------------------------------------------------- webhook

describe("sendWebhook", () => {
  it("posts the notice as JSON with its content type, user agent and the configured Authorization header", async () => {
    const target = await receiver((_req, res) => res.writeHead(204).end());
    await sendWebhook(
      webhook(`${target.url}/hooks/pbx?team=ops`, { headers: { Authorization: HOOK_TOKEN, "X-Extra": "1" } }),
      notice(),
    );
    expect(target.requests).toHaveLength(1);
    const [request] = target.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/hooks/pbx?team=ops");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["user-agent"]).toBe("phonebook-sync");
    expect(request?.headers["authorization"]).toBe(HOOK_TOKEN);
    expect(request?.headers["x-extra"]).toBe("1");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      event: "phonebook-sync.run",
      kind: "failure",
      job: "crm",
      appName: "crm-app",
      status: "failed",
      previousStatus: "success",
      runId: 42,
      trigger: "schedule",
      counts: COUNTS,
      error: "PBX request phonebook_import_sync failed: connection refused (ECONNREFUSED)",
      startedAt: "2026-03-04T01:00:00.000Z",
      endedAt: "2026-03-04T01:02:05.500Z",
      host: "sync-host-1",
      reportHint: "phonebook-sync reports show 42 --config /etc/phonebook-sync/config.yaml",
    });
    await expectNoConnectionLeft(target);
  });

  it("sends null for a first run's previous status and a run without id or hint", async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end("ok"));
    await sendWebhook(webhook(target.url), notice({ previousStatus: null, runId: null, reportHint: null, error: null }));
    const body = JSON.parse(target.requests[0]?.body ?? "") as Record<string, unknown>;
    expect(body).toMatchObject({ previousStatus: null, runId: null, reportHint: null, error: null });
  });

  it("retries a receiver that answers 500 twice and succeeds on the third attempt", async () => {
    const target = await receiver((_req, res, index) => res.writeHead(index < 2 ? 500 : 200).end(index < 2 ? "busy" : "ok"));
    await sendWebhook(webhook(target.url, { attempts: 3 }), notice(), { _backoffBaseMs: 10 });
    expect(target.requests).toHaveLength(3);
    await expectNoConnectionLeft(target);
  });

  it("retries 429 and 408 answers too", async () => {
    const target = await receiver((_req, res, index) => res.writeHead([429, 408, 200][index] ?? 200).end());
    await sendWebhook(webhook(target.url, { attempts: 3 }), notice(), { _backoffBaseMs: 10 });
    expect(target.requests).toHaveLength(3);
  });

  it("waits longer before each retry (1x, 2x, 4x the base delay)", async () => {
    const times: number[] = [];
    const target = await receiver((_req, res) => {
      times.push(performance.now());
      res.writeHead(503).end();
    });
    await failure(sendWebhook(webhook(target.url, { attempts: 4 }), notice(), { _backoffBaseMs: 60 }));
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((time, i) => time - (times[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(55);
    expect(gaps[1]).toBeGreaterThanOrEqual(115);
    expect(gaps[2]).toBeGreaterThanOrEqual(235);
  });

  it("does not retry a 400, and the error names the host and the status but no secret", async () => {
    const target = await receiver((_req, res) => res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload"));
    const error = await failure(
      sendWebhook(
        webhook(`${target.url}/services/T000/B000/pathSECRETx9?token=qsSECRET`, { headers: { Authorization: HOOK_TOKEN } }),
        notice(),
        { _backoffBaseMs: 10 },
      ),
    );
    expect(target.requests).toHaveLength(1);
    expect(error.code).toBe("NOTIFY_FAILED");
    expect(error.status).toBe(400);
    expect(error.message).toContain(target.host);
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("after 1 attempt");
    expect(error.bodyExcerpt).toBe("invalid_payload");
    const printed = JSON.stringify(error.toJSON()) + error.message;
    expect(printed).not.toContain("pathSECRETx9");
    expect(printed).not.toContain("qsSECRET");
    expect(printed).not.toContain("hook-SECRET");
    await expectNoConnectionLeft(target);
  });

  it("gives up after the configured attempts on a receiver that keeps failing", async () => {
    const target = await receiver((_req, res) => res.writeHead(502).end());
    const error = await failure(sendWebhook(webhook(target.url, { attempts: 2 }), notice(), { _backoffBaseMs: 10 }));
    expect(target.requests).toHaveLength(2);
    expect(error.message).toContain("after 2 attempts: HTTP 502");
  });

  it("cuts off a receiver that never answers at timeoutMs, and the error names the host and the timeout", async () => {
    const target = await receiver(() => undefined);
    const started = performance.now();
    const error = await failure(sendWebhook(webhook(target.url, { timeoutMs: 200, attempts: 2 }), notice(), { _backoffBaseMs: 10 }));
    const elapsed = performance.now() - started;
    expect(target.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(2000);
    expect(error.code).toBe("NOTIFY_FAILED");
    expect(error.message).toContain(target.host);
    expect(error.message).toMatch(/timeout/i);
    expect(error.message).toContain("200 ms");
    expect(error.message).toContain("after 2 attempts");
    await expectNoConnectionLeft(target);
  });

  it("cuts off a receiver that sends its headers but never ends the body", async () => {
    const target = await receiver((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial answer ");
    });
    const started = performance.now();
    const error = await failure(sendWebhook(webhook(target.url, { timeoutMs: 250, attempts: 1 }), notice()));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.message).toMatch(/timeout/i);
    await expectNoConnectionLeft(target);
  });

  it("names a refused connection by its network error code", async () => {
    const port = await deadPort();
    const error = await failure(sendWebhook(webhook(`http://127.0.0.1:${port}/hook`, { attempts: 2 }), notice(), { _backoffBaseMs: 10 }));
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain("after 2 attempts");
  });

  it("stops retrying when its signal is aborted", async () => {
    const target = await receiver((_req, res) => res.writeHead(500).end());
    const controller = new AbortController();
    const sending = sendWebhook(webhook(target.url, { attempts: 5 }), notice(), { signal: controller.signal, _backoffBaseMs: 5000 });
    await eventually(async () => target.requests.length === 1, "the first attempt arrived");
    const started = performance.now();
    controller.abort();
    const error = await failure(sending);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(target.requests).toHaveLength(1);
    expect(error.message).toContain("cancelled");
  });
});

// ---------------------------------------------------------------- e-mail

describe("sendEmail", () => {
  it("delivers the notice with the subject, from/to as configured, the counts, after the server checked the login", async () => {
    const smtp = await smtpReceiver();
    await sendEmail(email(smtp.port), notice());
    expect(smtp.logins).toEqual([{ username: SMTP_USER, password: SMTP_PASSWORD }]);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.user).toBe(SMTP_USER);
    expect(mail?.from).toBe("phonebook-sync@example.test");
    expect(mail?.to).toEqual(["ops@example.test", "pbx-admin@example.test"]);
    const { headers, body } = parseMail(mail?.raw ?? "");
    expect(headers["subject"]).toBe("[phonebook-sync] crm: failed");
    expect(headers["from"]).toBe("phonebook-sync@example.test");
    expect(headers["to"]).toBe("ops@example.test, pbx-admin@example.test");
    expect(headers["content-type"]).toMatch(/^text\/plain/);
    expect(body).toContain("Job:         crm");
    expect(body).toContain("App name:    crm-app");
    expect(body).toContain("Status:      failed (previous run: success)");
    expect(body).toContain("Run id:      42");
    expect(body).toContain("Trigger:     schedule");
    expect(body).toContain("Started:     2026-03-04T01:00:00.000Z");
    expect(body).toContain("Ended:       2026-03-04T01:02:05.500Z (2 min 6 s)");
    expect(body).toContain("Host:        sync-host-1");
    expect(body).toMatch(/^ {2}read +120$/m);
    expect(body).toMatch(/^ {2}inserted +0$/m);
    expect(body).toMatch(/^ {2}updated +15$/m);
    expect(body).toMatch(/^ {2}invalid +2$/m);
    expect(body).toMatch(/^ {2}unchanged +100$/m);
    expect(body).toMatch(/^ {2}errors +3$/m);
    expect(body).not.toMatch(/^ {2}deleted/m);
    expect(body).not.toMatch(/^ {2}warnings/m);
    expect(body).toContain("connection refused (ECONNREFUSED)");
    expect(body).toContain("phonebook-sync reports show 42 --config /etc/phonebook-sync/config.yaml");
    expect(body).not.toContain(SMTP_PASSWORD);
  });

  it("marks a recovery in the subject and sends to a single address", async () => {
    const smtp = await smtpReceiver();
    const recovered = notice({ kind: "recovery", status: "success", previousStatus: "failed", error: null });
    await sendEmail(email(smtp.port, { to: "ops@example.test", subjectPrefix: "[pbx]" }), recovered);
    const { headers, body } = parseMail(smtp.mails[0]?.raw ?? "");
    expect(headers["subject"]).toBe("[pbx] crm: success (recovered)");
    expect(smtp.mails[0]?.to).toEqual(["ops@example.test"]);
    expect(body).toContain("succeeded again after a failed run");
    expect(body).not.toContain("Error:");
    expect(emailSubject({ subjectPrefix: "" }, notice())).toBe("crm: failed");
  });

  it("sends without a login when no user is configured", async () => {
    const smtp = await smtpReceiver({ authOptional: true });
    await sendEmail(email(smtp.port, {}, { user: undefined, password: undefined }), notice());
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails).toHaveLength(1);
  });

  it("fails with NOTIFY_FAILED naming host:port when the SMTP server is down, and never the password", async () => {
    const port = await deadPort();
    const error = await failure(sendEmail(email(port), notice()));
    expect(error.code).toBe("NOTIFY_FAILED");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain("ECONNREFUSED");
    expect(JSON.stringify(error.toJSON()) + error.message + (error.stack ?? "")).not.toContain(SMTP_PASSWORD);
  });

  it("reports the server's reply when it refuses the login, and never the password", async () => {
    const smtp = await smtpReceiver();
    const error = await failure(sendEmail(email(smtp.port, {}, { password: "wrong-PASS-1234" }), notice()));
    expect(smtp.mails).toHaveLength(0);
    expect(error.code).toBe("NOTIFY_FAILED");
    expect(error.message).toContain(`127.0.0.1:${smtp.port}`);
    expect(error.message).toContain("535");
    expect(error.message).toContain("Invalid username or password");
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain("wrong-PASS-1234");
  });

  describe("over TLS", () => {
    it("trusts the server's certificate through smtp.caFile, read relative to baseDir", async () => {
      const dir = await tempDir("pbsync-smtp-tls-");
      const tls = makeCertificates(dir);
      const smtp = await smtpReceiver({ secure: true, key: await readFile(tls.keyFile), cert: await readFile(tls.certFile) });
      await sendEmail(email(smtp.port, {}, { secure: true, caFile: "ca.pem" }), notice(), { baseDir: dir });
      expect(smtp.mails).toHaveLength(1);

      const refused = await failure(sendEmail(email(smtp.port, {}, { secure: true }), notice(), { baseDir: dir }));
      expect(refused.code).toBe("NOTIFY_FAILED");
      expect(refused.message).toContain(`127.0.0.1:${smtp.port}`);
      expect(refused.message).toMatch(/certificate/);
      expect(smtp.mails).toHaveLength(1);

      const missing = await failure(sendEmail(email(smtp.port, {}, { secure: true, caFile: "nope.pem" }), notice(), { baseDir: dir }));
      expect(missing.message).toContain(path.join(dir, "nope.pem"));
      expect(missing.message).toContain("ENOENT");
    });
  });
});

/** A test CA and a certificate it signed for 127.0.0.1 (openssl), in `dir`. */
function makeCertificates(dir: string): { keyFile: string; certFile: string } {
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe", cwd: dir });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", at("ca-key.pem"), "-out", at("ca.pem"), "-days", "2", "-subj", "/CN=notify test CA");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", at("server-key.pem"), "-out", at("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(at("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca-key.pem"), "-CAcreateserial", "-out", at("server.pem"), "-days", "2", "-extfile", at("san.ext"));
  return { keyFile: at("server-key.pem"), certFile: at("server.pem") };
}

// ---------------------------------------------------------------- Notifier

describe("Notifier", () => {
  it("is disabled without a config, and notify then does nothing", async () => {
    const failures: string[] = [];
    const notifier = new Notifier(undefined, { logger: createLogger({ level: "silent" }), baseDir: ".", onFailure: (c) => failures.push(c) });
    expect(notifier.enabled).toBe(false);
    expect(new Notifier({}, { logger: createLogger({ level: "silent" }), baseDir: "." }).enabled).toBe(false);
    await notifier.notify(notice());
    expect(failures).toEqual([]);
  });

  it("sends on both channels", async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const smtp = await smtpReceiver();
    const failures: string[] = [];
    const log = logLines();
    const notifier = new Notifier(
      { webhook: webhook(target.url, { headers: { Authorization: HOOK_TOKEN } }), email: email(smtp.port) },
      { logger: log.logger, baseDir: ".", onFailure: (channel) => failures.push(channel) },
    );
    expect(notifier.enabled).toBe(true);
    await notifier.notify(notice());
    expect(target.requests).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    expect(failures).toEqual([]);
    expect(log.lines.filter((line) => line["msg"] === "notice sent").map((line) => line["channel"]).sort()).toEqual(["email", "webhook"]);
  });

  it("still sends the e-mail when the webhook is dead, resolves, and reports the webhook's failure", async () => {
    const port = await deadPort();
    const smtp = await smtpReceiver();
    const failures: string[] = [];
    const log = logLines();
    const notifier = new Notifier(
      { webhook: webhook(`http://127.0.0.1:${port}/hook`, { attempts: 1, headers: { Authorization: HOOK_TOKEN } }), email: email(smtp.port) },
      { logger: log.logger, baseDir: ".", onFailure: (channel) => failures.push(channel) },
    );
    await expect(notifier.notify(notice())).resolves.toBeUndefined();
    expect(failures).toEqual(["webhook"]);
    expect(smtp.mails).toHaveLength(1);
    const warning = log.lines.find((line) => line["msg"] === "notice not sent");
    expect(warning).toMatchObject({ level: 40, channel: "webhook", job: "crm", error: { code: "NOTIFY_FAILED" } });
    expect(JSON.stringify(warning)).toContain(`127.0.0.1:${port}`);
    expect(log.text()).not.toContain("hook-SECRET");
    expect(log.text()).not.toContain(SMTP_PASSWORD);
  });

  it("resolves even when the failure callback throws", async () => {
    const port = await deadPort();
    const log = logLines();
    const notifier = new Notifier(
      { webhook: webhook(`http://127.0.0.1:${port}/hook`, { attempts: 1 }) },
      {
        logger: log.logger,
        baseDir: ".",
        onFailure: () => {
          throw new Error("metric exploded");
        },
      },
    );
    await expect(notifier.notify(notice())).resolves.toBeUndefined();
    expect(log.text()).toContain("metric exploded");
  });

  it("cuts off an e-mail channel whose server trickles past its own timeouts (at smtp.timeoutMs * 3)", async () => {
    // Greets, then answers EHLO one continuation line at a time, never finishing: no SMTP timeout of its own fires.
    const sockets = new Set<net.Socket>();
    const timers = new Set<NodeJS.Timeout>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.write("220 trickle.test ESMTP\r\n");
      socket.once("data", () => {
        const timer = setInterval(() => socket.write("250-still thinking\r\n"), 40);
        timers.add(timer);
        socket.on("close", () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const port = (server.address() as net.AddressInfo).port;
    const failures: string[] = [];
    const log = logLines();
    const notifier = new Notifier(
      { email: email(port, {}, { timeoutMs: 150, user: undefined, password: undefined }) },
      { logger: log.logger, baseDir: ".", onFailure: (channel) => failures.push(channel) },
    );
    const started = performance.now();
    await notifier.notify(notice());
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(440);
    expect(elapsed).toBeLessThan(2000);
    expect(failures).toEqual(["email"]);
    expect(log.text()).toContain("cut off after 450 ms");
  });
});
