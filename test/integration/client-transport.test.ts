// The PBX client's HTTP side against plain node servers: multipart body, endpoint completion, keep-alive, TLS, options.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import busboy from "busboy";
import { afterAll, describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { PbxClient, type PbxClientOptions } from "../../src/pbx/index.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-SECRET-4f9a";
const OK_IMPORT = `<?xml version="1.0" encoding="UTF-8" ?>
<result><outcome>0</outcome><processed>1</processed><skipped>0</skipped><warnings>0</warnings><errors>0</errors>
<contacts><contact><uc_external_id>c-1</uc_external_id><id>7</id><act>insert</act><info></info></contact></contacts></result>`;

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Canned {
  base: string;
  connections: number;
  requests: Captured[];
  close(): Promise<void>;
}

const servers: Canned[] = [];
const clients: PbxClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(servers.map((server) => server.close()));
});

/** A server on 127.0.0.1:0 that records every request and answers with `answer`. */
async function canned(
  answer: (req: Captured, res: http.ServerResponse) => void,
  server: http.Server | https.Server = http.createServer(),
  scheme = "http",
): Promise<Canned> {
  const state: Canned = { base: "", connections: 0, requests: [], close: async () => undefined };
  server.on("connection", () => state.connections++);
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const captured = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
      state.requests.push(captured);
      answer(captured, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.base = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(state);
  return state;
}

function xml(body: string) {
  return (_req: Captured, res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "text/xml; charset=UTF-8" });
    res.end(body);
  };
}

function client(options: Partial<PbxClientOptions> & { url: string }): PbxClient {
  const created = new PbxClient({ token: TOKEN, ...options });
  clients.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SyncError);
    const error = err as SyncError;
    for (const text of [error.message, error.hint, String(error.stack), String(error.cause), JSON.stringify(error)]) {
      expect(text).not.toContain(TOKEN);
    }
    return error;
  }
  throw new Error("expected the call to fail");
}

/** Parses a multipart body the way PHP does: plain parts become $_POST fields, parts with a filename become $_FILES. */
async function phpParse(captured: Captured): Promise<{ post: Record<string, string[]>; files: string[] }> {
  const post: Record<string, string[]> = {};
  const files: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = busboy({ headers: captured.headers });
    parser.on("field", (name, value) => (post[name] ??= []).push(value));
    parser.on("file", (name, stream) => {
      files.push(name);
      stream.resume();
    });
    parser.on("close", resolve);
    parser.on("error", reject);
    parser.end(captured.body);
  });
  return { post, files };
}

const contact = { uc_app_name: "CRM", uc_external_id: "c-1", name: "Gustavo", surname: "Fring", numoffice: "+390733123123" };

describe("the request the client sends", () => {
  it("posts one multipart field named contacts, with no filename, holding the JSON array", async () => {
    const server = await canned(xml(OK_IMPORT));
    const pbx = client({ url: server.base });
    const extInfo = [{ caption: "Credit", value: "2000 EUR" }];
    await pbx.importSync([{ ...contact, company: "Los Pollos Hermanos è", ext_info: extInfo }]);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    const body = request?.body.toString("utf8") ?? "";
    expect(body.match(/Content-Disposition/gi)).toHaveLength(1);
    expect(body).not.toMatch(/filename/i);
    expect(request?.headers["content-length"]).toBe(String(request?.body.length));
    expect(request?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const parsed = await phpParse(request as Captured);
    expect(parsed.files).toEqual([]);
    expect(Object.keys(parsed.post)).toEqual(["contacts"]);
    expect(parsed.post["contacts"]).toHaveLength(1);
    expect(JSON.parse(parsed.post["contacts"]?.[0] ?? "")).toEqual([{ ...contact, company: "Los Pollos Hermanos è", ext_info: extInfo }]);
  });

  it("sends service, token and verbose_output in the query string, and leaves verbose_output out when not verbose", async () => {
    const server = await canned(xml(OK_IMPORT));
    const pbx = client({ url: server.base });
    await pbx.importSync([contact]);
    await pbx.importSync([contact], { verbose: false });
    const [verbose, plain] = server.requests.map((request) => new URL(request.url, server.base));
    expect(verbose?.pathname).toBe("/PBX/seri_endpoint.php");
    expect(Object.fromEntries(verbose?.searchParams ?? [])).toEqual({ service: "phonebook_import_sync", token: TOKEN, verbose_output: "1" });
    expect(Object.fromEntries(plain?.searchParams ?? [])).toEqual({ service: "phonebook_import_sync", token: TOKEN });
  });

  it("sends ext_info as a string holding its JSON when extInfoEncoding is json-string", async () => {
    const server = await canned(xml(OK_IMPORT));
    const pbx = client({ url: server.base, extInfoEncoding: "json-string" });
    const extInfo = [{ caption: "Sale", value: "1000 EUR" }];
    await pbx.importSync([{ ...contact, ext_info: extInfo }]);
    const parsed = await phpParse(server.requests[0] as Captured);
    const sent = JSON.parse(parsed.post["contacts"]?.[0] ?? "") as Array<{ ext_info: unknown }>;
    expect(typeof sent[0]?.ext_info).toBe("string");
    expect(JSON.parse(sent[0]?.ext_info as string)).toEqual(extInfo);
  });

  it("completes a bare host to /PBX/seri_endpoint.php and keeps a URL that already names a .php endpoint", async () => {
    const server = await canned(xml("<result><outcome>0</outcome></result>"));
    const bare = client({ url: `${server.base}/` });
    expect(bare.endpoint).toBe(`${server.base}/PBX/seri_endpoint.php`);
    const custom = client({ url: `${server.base}/voip/custom.php` });
    expect(custom.endpoint).toBe(`${server.base}/voip/custom.php`);
    await bare.deletePhonebook({ contactId: 5 });
    await custom.deletePhonebook({ appName: "CRM", externalId: "c 1" });
    const [first, second] = server.requests.map((request) => new URL(request.url, server.base));
    expect(first?.pathname).toBe("/PBX/seri_endpoint.php");
    expect(first?.searchParams.get("contact_id")).toBe("5");
    expect(second?.pathname).toBe("/voip/custom.php");
    expect(second?.searchParams.get("app_name")).toBe("CRM");
    expect(second?.searchParams.get("external_contact_id")).toBe("c 1");
    expect(server.requests.map((request) => request.method)).toEqual(["GET", "GET"]);
    for (const pbx of [bare, custom]) expect(pbx.endpoint).not.toContain(TOKEN);
  });

  it("refuses an invalid contact before sending, naming its uc_external_id and the field", async () => {
    const server = await canned(xml(OK_IMPORT));
    const pbx = client({ url: server.base });
    const error = await failure(pbx.importSync([contact, { ...contact, uc_external_id: "c-2", numoffice: "0733 123" }]));
    expect(error.code).toBe("CONTACT_INVALID");
    expect(error.record).toBe("c-2");
    expect(error.field).toBe("numoffice");
    expect(error.message).toMatch(/contact c-2 .*numoffice: only digits/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("connections", () => {
  it("reuses one connection for two requests in a row when keep-alive is on (the default)", async () => {
    const server = await canned(xml(OK_IMPORT));
    const pbx = client({ url: server.base });
    await pbx.importSync([contact]);
    await pbx.importSync([contact]);
    expect(server.requests).toHaveLength(2);
    expect(server.connections).toBe(1);
  });

  it("opens a new connection for each request when keepAlive is false", async () => {
    const server = await canned(xml(OK_IMPORT));
    const pbx = client({ url: server.base, keepAlive: false });
    await pbx.importSync([contact]);
    await pbx.importSync([contact]);
    expect(server.connections).toBe(2);
  });

  it("gives up on an answer that trickles in for longer than timeoutMs, although every chunk is prompt", async () => {
    const server = await canned((_req, res) => {
      res.writeHead(200, { "content-type": "text/xml" });
      const timer = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(timer));
    });
    const pbx = client({ url: server.base, timeoutMs: 400 });
    // The server trickles forever: only the client's own deadline ends the call.
    const error = await failure(pbx.importSync([contact]));
    expect(error.code).toBe("PBX_TIMEOUT");
    expect(error.message).toMatch(/within 400 ms/);
  });

  it("fails with PBX_NETWORK when the caller's signal cancels the request", async () => {
    const controller = new AbortController();
    // The server never answers: the caller cancels once the request has reached it.
    const server = await canned(() => controller.abort());
    const pbx = client({ url: server.base });
    const error = await failure(pbx.importSync([contact], { signal: controller.signal }));
    expect(error.code).toBe("PBX_NETWORK");
    expect(error.message).toMatch(/cancelled/);
    expect(server.requests).toHaveLength(1);
  });
});

describe("TLS with a self-signed PBX certificate", async () => {
  const dir = await tempDir("pbsync-tls-");
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  await promisify(execFile)("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ]);
  const tlsServer = https.createServer({ key: await readFile(key), cert: await readFile(cert) });
  const server = await canned(xml(OK_IMPORT), tlsServer, "https");

  it("refuses the certificate with PBX_TLS when no caFile is given", async () => {
    const error = await failure(client({ url: server.base }).importSync([contact]));
    expect(error.code).toBe("PBX_TLS");
    expect(error.message).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(error.hint).toMatch(/caFile/);
  });

  it("trusts the certificate given as caFile and imports", async () => {
    const result = await client({ url: server.base, caFile: cert }).importSync([contact]);
    expect(result.contacts).toEqual([{ uc_external_id: "c-1", id: "7", act: "insert", info: "" }]);
  });

  it("keeps checking the host name with a caFile: the certificate names 127.0.0.1, not localhost", async () => {
    const error = await failure(client({ url: server.base.replace("127.0.0.1", "localhost"), caFile: cert }).importSync([contact]));
    expect(error.code).toBe("PBX_TLS");
    expect(error.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});

describe("options", () => {
  const cases: Array<[string, Partial<PbxClientOptions>, string, RegExp]> = [
    ["a URL that does not parse", { url: "pbx example com" }, "url", /not a URL/],
    ["an ftp URL", { url: "ftp://pbx.example.com" }, "url", /not http: or https:/],
    ["a token inside the URL", { url: `https://pbx.example.com/?token=${TOKEN}` }, "url", /token parameter/],
    ["an empty token", { token: "" }, "token", /token is empty/],
    ["a token ending in a newline", { token: `${TOKEN}\n` }, "token", /white space/],
    ["a timeout of 0", { timeoutMs: 0 }, "timeoutMs", /invalid timeoutMs 0/],
    ["65 connections", { connections: 65 }, "connections", /invalid connections 65/],
    ["a caFile that does not exist", { caFile: "/nonexistent/ca.pem" }, "caFile", /cannot read caFile/],
  ];
  for (const [what, options, field, message] of cases) {
    it(`refuses ${what} with CONFIG_INVALID naming the option`, () => {
      let thrown: unknown;
      try {
        new PbxClient({ url: "https://pbx.example.com", token: TOKEN, ...options });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SyncError);
      const error = thrown as SyncError;
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(`${error.message} ${error.hint} ${error.stack}`).not.toContain(TOKEN);
    });
  }
});
