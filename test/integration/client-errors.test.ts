// Every failure class of the PBX client against the emulator's faults: its code, retryability, and no token anywhere.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { SyncError, type ErrorCode } from "../../src/errors.js";
import { isRetryable, PbxClient, type PbxClientOptions } from "../../src/pbx/index.js";

const TOKEN = "tok-SECRET-4f9a";
const WRONG_TOKEN = "tok-WRONG-77b1";
const contacts = [
  { uc_app_name: "CRM", uc_external_id: "c-1", name: "Gustavo", surname: "Fring", numoffice: "0733123123" },
  { uc_app_name: "CRM", uc_external_id: "c-2", name: "Walter", surname: "White", nummobile: "+395559876543" },
];
/** A login page that quotes the request URL, as many web servers' error pages do. */
const LOGIN_PAGE = `<!DOCTYPE html><html><head><title>Login</title></head><body>
<form action="/login?next=/PBX/seri_endpoint.php%3Fservice%3Dphonebook_import_sync%26token%3D${TOKEN}">
<p>Session expired for /PBX/seri_endpoint.php?service=phonebook_import_sync&token=${TOKEN}</p></form></body></html>`;

let emulator: RunningEmulator;
let refusedPort: number;
const clients: PbxClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  // A port that was open a moment ago and is closed now: nothing listens there.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  refusedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await emulator.close();
});

/** A debug logger whose JSON lines one test reads: each test asserts only on the lines it produced itself. */
function capturedLog(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: "debug" }, { write: (line: string) => void lines.push(line) }), lines };
}

function client(options: Partial<PbxClientOptions> = {}): PbxClient {
  const created = new PbxClient({ url: emulator.url, token: TOKEN, logger: capturedLog().logger, ...options });
  clients.push(created);
  return created;
}

/** Neither token appears in any of the texts. */
function expectNoToken(texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(WRONG_TOKEN);
  }
}

/** Every text an error carries out of the client, where a token must never be. */
function textsOf(error: SyncError): string[] {
  return [
    error.message,
    error.hint,
    String(error.stack),
    String(error.cause),
    error.cause instanceof Error ? String(error.cause.stack) : "",
    JSON.stringify(error),
    error.bodyExcerpt ?? "",
    error.pbxError ?? "",
  ];
}

interface Case {
  name: string;
  code: ErrorCode;
  retryable: boolean;
  /** Faults to inject before the call. */
  faults?: Array<Parameters<RunningEmulator["faults"]["add"]>[0]>;
  options?: () => Partial<PbxClientOptions>;
  check?: (error: SyncError) => void;
}

const cases: Case[] = [
  {
    name: "an outcome=1 answer is PBX_REJECTED carrying the PBX's error text",
    code: "PBX_REJECTED",
    retryable: false,
    faults: [{ service: "phonebook_import_sync", times: 1, outcomeError: "database is locked" }],
    check: (error) => {
      expect(error.pbxError).toBe("database is locked");
      expect(error.message).toMatch(/refused phonebook_import_sync: database is locked/);
    },
  },
  {
    name: "a wrong token is PBX_AUTH_FAILED",
    code: "PBX_AUTH_FAILED",
    retryable: false,
    options: () => ({ token: WRONG_TOKEN }),
    check: (error) => {
      expect(error.pbxError).toMatch(/token/i);
      expect(error.hint).toMatch(/VOISPEED_TOKEN/);
    },
  },
  {
    name: "an outcome=1 text quoting the token is PBX_AUTH_FAILED with the token masked",
    code: "PBX_AUTH_FAILED",
    retryable: false,
    faults: [{ service: "phonebook_import_sync", times: 1, outcomeError: `token ${TOKEN} is disabled` }],
    check: (error) => expect(error.pbxError).toBe("token *** is disabled"),
  },
  {
    name: "an unknown service is PBX_UNKNOWN_SERVICE",
    code: "PBX_UNKNOWN_SERVICE",
    retryable: false,
    faults: [{ service: "phonebook_import_sync", times: 1, outcomeError: "unknown service phonebook_import_sync" }],
  },
  ...[500, 502, 404].map(
    (status): Case => ({
      name: `HTTP ${status} is PBX_HTTP_STATUS with the status`,
      code: "PBX_HTTP_STATUS",
      retryable: status >= 500,
      faults: [{ service: "phonebook_import_sync", times: 1, status }],
      check: (error) => {
        expect(error.status).toBe(status);
        expect(error.message).toMatch(new RegExp(`HTTP ${status}`));
      },
    }),
  ),
  {
    name: "an answer slower than timeoutMs is PBX_TIMEOUT",
    code: "PBX_TIMEOUT",
    retryable: true,
    faults: [{ service: "phonebook_import_sync", times: 1, delayMs: 2_000 }],
    options: () => ({ timeoutMs: 300 }),
    check: (error) => expect(error.message).toMatch(/300 ms/),
  },
  {
    name: "a closed port is PBX_CONNECTION_REFUSED",
    code: "PBX_CONNECTION_REFUSED",
    retryable: true,
    options: () => ({ url: `http://127.0.0.1:${refusedPort}` }),
    check: (error) => expect(error.message).toMatch(/ECONNREFUSED/),
  },
  {
    name: "a connection the PBX drops is PBX_CONNECTION_RESET",
    code: "PBX_CONNECTION_RESET",
    retryable: true,
    faults: [{ service: "phonebook_import_sync", times: 1, reset: true }],
  },
  {
    name: "a host name that does not resolve is PBX_DNS",
    code: "PBX_DNS",
    retryable: false,
    options: () => ({ url: "http://pbx.phonebook-sync-test.invalid" }),
    check: (error) => expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN|EAI_NODATA|EAI_FAIL|EAI_NONAME/),
  },
  {
    name: "an empty 200 body is PBX_EMPTY_RESPONSE",
    code: "PBX_EMPTY_RESPONSE",
    retryable: true,
    faults: [{ service: "phonebook_import_sync", times: 1, body: "" }],
  },
  {
    name: "an HTML login page is PBX_HTML_RESPONSE, its excerpt without the token it quotes",
    code: "PBX_HTML_RESPONSE",
    retryable: false,
    faults: [{ service: "phonebook_import_sync", times: 1, body: LOGIN_PAGE }],
    check: (error) => expect(error.bodyExcerpt).toMatch(/^<!DOCTYPE html><html><head><title>Login/),
  },
  {
    name: "XML that does not parse is PBX_MALFORMED_RESPONSE",
    code: "PBX_MALFORMED_RESPONSE",
    retryable: true,
    faults: [{ service: "phonebook_import_sync", times: 1, malformedXml: true }],
    check: (error) => expect(error.message).toMatch(/not well-formed XML/),
  },
  {
    name: "XML without <result><outcome> is PBX_MALFORMED_RESPONSE",
    code: "PBX_MALFORMED_RESPONSE",
    retryable: true,
    faults: [{ service: "phonebook_import_sync", times: 1, body: '<?xml version="1.0"?><response><status>ok</status></response>' }],
    check: (error) => expect(error.message).toMatch(/no <result><outcome>/),
  },
];

describe("PBX client failures", () => {
  for (const testCase of cases) {
    it(`reports that ${testCase.name}, with no token in the error or the log`, async () => {
      for (const fault of testCase.faults ?? []) emulator.faults.add(fault);
      const log = capturedLog();
      const pbx = client({ logger: log.logger, ...testCase.options?.() });
      const thrown = await pbx.importSync(contacts).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(thrown).toBeInstanceOf(SyncError);
      const error = thrown as SyncError;
      expect(error.code).toBe(testCase.code);
      expect(isRetryable(error)).toBe(testCase.retryable);
      testCase.check?.(error);
      expectNoToken(textsOf(error));
      // The request, then its answer or its failure: both written by this very call.
      const messages = log.lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toHaveLength(2);
      expect(messages[0]).toBe("pbx request");
      expect(messages[1]).toMatch(/^pbx (answer|request failed)$/);
      expectNoToken(log.lines);
    });
  }

  it("attaches the underlying error as cause to network failures", async () => {
    const thrown = await client({ url: `http://127.0.0.1:${refusedPort}` })
      .importSync(contacts)
      .catch((err: unknown) => err);
    expect((thrown as SyncError).cause).toBeInstanceOf(Error);
  });

  it("is not stopped by a fault once it has passed: the next call succeeds", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", times: 1, status: 503 });
    const pbx = client();
    await expect(pbx.importSync(contacts)).rejects.toMatchObject({ code: "PBX_HTTP_STATUS", status: 503 });
    const result = await pbx.importSync(contacts);
    expect(result.contacts.map((contact) => contact.uc_external_id).sort()).toEqual(["c-1", "c-2"]);
  });

  it("never writes the token into a log line, and logs each request's URL redacted", async () => {
    const log = capturedLog();
    // Answers that quote the token, one that succeeds, and a wrong token: the token would show in each if anywhere.
    emulator.faults.add({ service: "phonebook_import_sync", times: 1, outcomeError: `token ${TOKEN} is disabled` });
    emulator.faults.add({ service: "phonebook_import_sync", times: 1, body: LOGIN_PAGE });
    const pbx = client({ logger: log.logger });
    await expect(pbx.importSync(contacts)).rejects.toMatchObject({ code: "PBX_AUTH_FAILED" });
    await expect(pbx.importSync(contacts)).rejects.toMatchObject({ code: "PBX_HTML_RESPONSE" });
    await pbx.importSync(contacts);
    await expect(client({ logger: log.logger, token: WRONG_TOKEN }).importSync(contacts)).rejects.toMatchObject({ code: "PBX_AUTH_FAILED" });

    expectNoToken(log.lines);
    const records = log.lines.map((line) => JSON.parse(line) as { msg: string; url?: string });
    const requests = records.filter((line) => line.msg === "pbx request");
    expect(requests).toHaveLength(4);
    for (const line of requests) expect(line.url).toMatch(/service=phonebook_import_sync&token=\*\*\*/);
  });
});

describe("isRetryable", () => {
  it("retries 429 but not other 4xx, and never anything that is not a SyncError", () => {
    expect(isRetryable(new SyncError("PBX_HTTP_STATUS", "x", { status: 429 }))).toBe(true);
    expect(isRetryable(new SyncError("PBX_HTTP_STATUS", "x", { status: 403 }))).toBe(false);
    expect(isRetryable(new SyncError("PBX_TLS", "x"))).toBe(false);
    expect(isRetryable(new Error("ECONNRESET"))).toBe(false);
  });
});
