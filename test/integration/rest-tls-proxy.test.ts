// The REST source over TLS with a private CA (caFile), and through an HTTP proxy (the proxy option and HTTPS_PROXY).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { restConfigSchema, restConnector, type RestConfig } from "../../connectors/rest.js";
import type { SourceItem } from "../../connectors/types.js";
import { contacts } from "../helpers/rest-server.js";
import { tempDir } from "../helpers/temp.js";
import { failure } from "../helpers/failure.js";

const RECORDS = contacts(30);
let dir: string;
let tls: https.Server;
let tlsUrl: string;
let proxy: http.Server;
let proxyUrl: string;
const tunnels: string[] = [];

beforeAll(async () => {
  dir = await tempDir("pbsync-rest-tls-");
  const key = path.join(dir, "key.pem");
  await promisify(execFile)("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", path.join(dir, "ca.pem"), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
  tls = https.createServer({ key: await readFile(key), cert: await readFile(path.join(dir, "ca.pem")) }, (req, res) => {
    const page = Number(new URL(req.url ?? "/", "https://x").searchParams.get("page") ?? 1);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ results: RECORDS.slice((page - 1) * 10, page * 10) }));
  });
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  tlsUrl = `https://127.0.0.1:${(tls.address() as net.AddressInfo).port}`;
  // A CONNECT proxy, as corporate proxies are for HTTPS: it records each tunnel's target and pipes the bytes.
  proxy = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  proxy.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  tls.closeAllConnections();
  proxy.closeAllConnections();
  await new Promise((resolve) => tls.close(resolve));
  await new Promise((resolve) => proxy.close(resolve));
});

const saved = { HTTPS_PROXY: process.env["HTTPS_PROXY"], NO_PROXY: process.env["NO_PROXY"] };
afterEach(() => {
  tunnels.length = 0;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function config(extra: Record<string, unknown>): RestConfig {
  return restConfigSchema.parse({ type: "rest", baseUrl: tlsUrl, path: "/contacts", records: "results", paging: { type: "page", size: 10 }, retry: { attempts: 1 }, ...extra });
}

async function readAll(source: RestConfig): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of restConnector.read(source, { baseDir: dir })) items.push(item);
  return items;
}

describe("REST over TLS", () => {
  it("refuses a certificate of a private CA without caFile, saying to give it", async () => {
    const error = await failure(readAll(config({})));
    expect(error.code).toBe("SOURCE_REST");
    expect(error.message).toMatch(/the server's certificate was refused \(.*\): give its CA with caFile/);
  });

  it("trusts the CA given as caFile (relative to the configuration) and reads every page", async () => {
    expect(await readAll(config({ caFile: "ca.pem" }))).toHaveLength(30);
  });

  it("names a caFile it cannot read", async () => {
    const error = await failure(readAll(config({ caFile: "missing-ca.pem" })));
    expect(error.message).toMatch(/caFile missing-ca\.pem: ENOENT/);
    expect(error.field).toBe("caFile");
  });
});

describe("REST through a proxy", () => {
  it("tunnels every request through the proxy option", async () => {
    expect(await readAll(config({ caFile: "ca.pem", proxy: proxyUrl }))).toHaveLength(30);
    const target = tlsUrl.replace("https://", "");
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([target]));
  });

  it("takes HTTPS_PROXY from the environment when no proxy is configured", async () => {
    process.env["HTTPS_PROXY"] = proxyUrl;
    delete process.env["NO_PROXY"];
    expect(await readAll(config({ caFile: "ca.pem" }))).toHaveLength(30);
    expect(tunnels.length).toBeGreaterThan(0);
  });

  it("goes direct without a proxy", async () => {
    expect(await readAll(config({ caFile: "ca.pem" }))).toHaveLength(30);
    expect(tunnels).toEqual([]);
  });
});
