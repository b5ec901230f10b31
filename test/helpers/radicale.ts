// A real CardDAV server for tests: Radicale 3 (Debian's package) on a temporary folder and a free loopback port,
// htpasswd auth and owner-only rights, behind a small recording proxy that counts the requests a client makes.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { deadPort } from "./ports.js";
import { makeTestCertificates, type TestCertificates } from "./tls-certificates.js";

const run = promisify(execFile);

/** One request the proxy passed on: status 0 when Radicale gave no answer. */
export interface LoggedRequest {
  method: string;
  /** The request target as the client sent it (percent-encoded path and query). */
  path: string;
  status: number;
}

export interface RadicaleOptions {
  /** Serve HTTPS (Radicale's own `ssl = True`, and the proxy too) with a certificate of a test CA. */
  tls?: boolean;
  user?: string;
  password?: string;
  /** Radicale's delay after a failed login, in seconds (its default is 1; 0 keeps tests quick). */
  authDelay?: number;
  /**
   * Play a server without RFC 6578: the proxy answers every sync-collection REPORT itself with HTTP 501 (recorded,
   * never passed on). With "hidden", PROPFIND answers also leave sync-collection out of DAV:supported-report-set,
   * so that discovery already tells a client there is none.
   */
  refuseSync?: boolean | "hidden";
}

export interface RunningRadicale {
  /** The recording proxy's base URL ("http://127.0.0.1:port/"): what clients under test use. */
  url: string;
  port: number;
  /** Radicale's own base URL, past the proxy (requests to it are not recorded). */
  radicaleUrl: string;
  radicalePort: number;
  user: string;
  password: string;
  /** The CA's PEM text and file (tls only). */
  ca?: string;
  certificates?: TestCertificates;
  /** The storage folder (collection-root/<user>/<book>/ holds the cards as files). */
  storage: string;
  /** Requests made through the proxy since the start or the last clearRequests(). */
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** Creates the address book /<user>/<name>/ (extended MKCOL); its URL through the proxy. */
  createAddressBook(name: string, displayName?: string): Promise<string>;
  /** PUTs a card (created or replaced); its href as a decoded path, and the ETag Radicale gave. */
  putCard(bookUrl: string, fileName: string, vcard: string): Promise<{ href: string; etag: string }>;
  /** Deletes a card by its href (a decoded path) or URL. */
  deleteCard(href: string): Promise<void>;
  /** A card's URL through the proxy. */
  cardUrl(bookUrl: string, fileName: string): string;
  /** What Radicale printed lately (warnings and errors), for failure messages. */
  output(): string;
  /** Stops Radicale (SIGTERM, then SIGKILL) and the proxy, and removes the folder. */
  stop(): Promise<void>;
  /** Kills Radicale at once (SIGKILL) and closes the proxy's port: later requests find nothing listening. */
  kill(): Promise<void>;
}

const CANDIDATES = ["/usr/bin/radicale", "/usr/local/bin/radicale"];

async function installedCommand(): Promise<string[] | undefined> {
  const given = process.env["PBSYNC_TEST_RADICALE"];
  if (given) return [given];
  const found = CANDIDATES.find((candidate) => existsSync(candidate));
  if (found) return [found];
  try {
    await run("python3", ["-c", "import radicale"]);
    return ["python3", "-m", "radicale"];
  } catch {
    return undefined;
  }
}

/** The command that runs Radicale, installed with apt-get first when missing; throws with the reason when it cannot be had. */
export async function ensureRadicale(): Promise<string[]> {
  let command = await installedCommand();
  if (!command) {
    if (process.getuid?.() !== 0) throw new Error("Radicale is not installed, and installing it needs root: apt-get install -y radicale");
    const install = "(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq radicale";
    try {
      await run("sh", ["-c", install], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    } catch (err) {
      const output = err as { stderr?: string; message?: string };
      throw new Error(`cannot install radicale with apt-get: ${(output.stderr ?? output.message ?? String(err)).trim().slice(-500)}`);
    }
    command = await installedCommand();
    if (!command) throw new Error("apt-get installed radicale, but no radicale command or python module is found");
  }
  const [program, ...args] = command as [string, ...string[]];
  const { stdout, stderr } = await run(program, [...args, "--version"]);
  const version = `${stdout}${stderr}`.trim();
  if (!/^3\./.test(version)) throw new Error(`${command.join(" ")} is Radicale ${version}; the tests need Radicale 3`);
  return command;
}

/** Radicale's command, or why there is none: the tests fail (never skip) on the latter, in CI and elsewhere. */
export async function findRadicale(): Promise<{ command: string[] } | { unavailable: string }> {
  try {
    return { command: await ensureRadicale() };
  } catch (err) {
    return { unavailable: `Radicale could not be had: ${err instanceof Error ? err.message : String(err)} (set PBSYNC_TEST_RADICALE to its path)` };
  }
}

function configText(dir: string, port: number, options: Required<Pick<RadicaleOptions, "authDelay">>, tls: TestCertificates | undefined): string {
  return [
    "[server]",
    `hosts = 127.0.0.1:${port}`,
    `ssl = ${tls ? "True" : "False"}`,
    ...(tls ? [`certificate = ${tls.certFile}`, `key = ${tls.keyFile}`] : []),
    "[auth]",
    "type = htpasswd",
    `htpasswd_filename = ${path.join(dir, "users")}`,
    "htpasswd_encryption = plain",
    `delay = ${options.authDelay}`,
    "[rights]",
    "type = owner_only",
    "[storage]",
    `filesystem_folder = ${path.join(dir, "collections")}`,
    "[web]",
    "type = none",
    "[logging]",
    "level = warning",
    "mask_passwords = True",
    "",
  ].join("\n");
}

/** Starts Radicale on a fresh folder and port, and the recording proxy in front of it; resolves once it answers. */
export async function startRadicale(options: RadicaleOptions = {}): Promise<RunningRadicale> {
  const command = await ensureRadicale();
  const user = options.user ?? "alice";
  const password = options.password ?? `radicale-pw-${Math.random().toString(36).slice(2, 10)}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), "pbsync-radicale-"));
  try {
    const certificates = options.tls ? makeTestCertificates(dir, "Radicale test CA") : undefined;
    const ca = certificates ? await readFile(certificates.caFile, "utf8") : undefined;
    await writeFile(path.join(dir, "users"), `${user}:${password}\n`);
    await mkdir(path.join(dir, "collections"));
    const { child, port, output } = await launch(command, dir, certificates, { authDelay: options.authDelay ?? 0 });
    const scheme = certificates ? "https" : "http";
    const radicaleUrl = `${scheme}://127.0.0.1:${port}/`;
    const proxy = await startRecorder(port, certificates, ca, options.refuseSync ?? false);
    const admin = adminClient(radicaleUrl, user, password, ca);
    const url = `${scheme}://127.0.0.1:${proxy.port}/`;
    const pathOf = (target: string) => new URL(target, url).pathname;
    let stopped = false;
    return {
      url,
      port: proxy.port,
      radicaleUrl,
      radicalePort: port,
      user,
      password,
      ...(ca === undefined ? {} : { ca }),
      ...(certificates === undefined ? {} : { certificates }),
      storage: path.join(dir, "collections"),
      requests: () => proxy.log.map((entry) => ({ ...entry })),
      clearRequests: () => {
        proxy.log.length = 0;
      },
      async createAddressBook(name, displayName = name) {
        const bookPath = `/${encodeURIComponent(user)}/${encodeURIComponent(name)}/`;
        await admin.send("MKCOL", bookPath, mkcolBody(displayName), [201]);
        return new URL(bookPath, url).toString();
      },
      async putCard(bookUrl, fileName, vcard) {
        const cardPath = `${pathOf(bookUrl).replace(/\/?$/, "/")}${encodeURIComponent(fileName)}`;
        const answer = await admin.send("PUT", cardPath, vcard, [201, 204], { "content-type": "text/vcard; charset=utf-8" });
        const etag = answer.headers["etag"];
        return { href: decodePath(cardPath), etag: typeof etag === "string" ? etag : "" };
      },
      async deleteCard(href) {
        await admin.send("DELETE", encodePath(decodePath(pathOf(href))), undefined, [200, 204]);
      },
      cardUrl: (bookUrl, fileName) => new URL(`${pathOf(bookUrl).replace(/\/?$/, "/")}${encodeURIComponent(fileName)}`, url).toString(),
      output,
      async stop() {
        if (stopped) return;
        stopped = true;
        await Promise.all([stopProcess(child), proxy.close(), admin.close()]);
        await rm(dir, { recursive: true, force: true });
      },
      async kill() {
        await Promise.all([killProcess(child), proxy.close()]);
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function mkcolBody(displayName: string): string {
  const name = displayName.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype><D:displayname>${name}</D:displayname></D:prop></D:set></D:mkcol>`;
}

function decodePath(encoded: string): string {
  return encoded.split("/").map((segment) => decodeURIComponent(segment)).join("/");
}

function encodePath(decoded: string): string {
  return decoded.split("/").map((segment) => encodeURIComponent(segment)).join("/");
}

/** Starts the process on a free port (a port taken meanwhile by someone else means another try), and waits until it accepts connections. */
async function launch(command: string[], dir: string, tls: TestCertificates | undefined, options: { authDelay: number }) {
  let last = "";
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await deadPort();
    const configFile = path.join(dir, "config");
    await writeFile(configFile, configText(dir, port, options, tls));
    const [program, ...args] = command as [string, ...string[]];
    const env = { ...process.env };
    delete env["RADICALE_CONFIG"];
    const child = spawn(program, [...args, "--config", configFile], { stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    // A test that forgets stop() must not leave a server behind.
    const onExit = () => child.kill("SIGKILL");
    process.once("exit", onExit);
    child.once("exit", () => process.removeListener("exit", onExit));
    if (await accepting(port, child)) return { child, port, output: () => output };
    last = output;
    await stopProcess(child);
    if (!/address already in use|Errno 98/i.test(output)) break;
  }
  throw new Error(`Radicale did not start:\n${last}`);
}

async function accepting(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (connected) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function killProcess(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);

/** The recording proxy: passes every request on to Radicale and notes method, path and status (see refuseSync). */
async function startRecorder(target: number, tls: TestCertificates | undefined, ca: string | undefined, refuseSync: boolean | "hidden") {
  const log: LoggedRequest[] = [];
  const forward = (incoming: http.IncomingMessage, outgoing: http.ServerResponse, entry: LoggedRequest, body?: Buffer) => {
    const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    const send = tls ? https.request : http.request;
    const hide = refuseSync === "hidden" && incoming.method === "PROPFIND";
    const upstream = send({ host: "127.0.0.1", port: target, method: incoming.method, path: incoming.url, headers, agent: false, ...(ca ? { ca } : {}) }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      const answerHeaders = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name) && !(hide && name === "content-length")));
      answer.on("error", () => outgoing.destroy());
      outgoing.writeHead(entry.status, answerHeaders);
      if (!hide) return void answer.pipe(outgoing);
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => outgoing.end(withoutSyncReport(Buffer.concat(chunks).toString("utf8"))));
    });
    upstream.on("error", () => outgoing.destroy());
    if (body === undefined) incoming.pipe(upstream);
    else upstream.end(body);
  };
  const handler = (incoming: http.IncomingMessage, outgoing: http.ServerResponse) => {
    const entry: LoggedRequest = { method: incoming.method ?? "", path: incoming.url ?? "", status: 0 };
    log.push(entry);
    if (refuseSync === false || incoming.method !== "REPORT") return forward(incoming, outgoing, entry);
    // A REPORT is read whole first, to tell sync-collection from addressbook-multiget.
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      if (!/sync-collection/.test(body.toString("utf8"))) return forward(incoming, outgoing, entry, body);
      entry.status = 501;
      outgoing.writeHead(501, { "content-type": "text/plain; charset=utf-8" });
      outgoing.end("sync-collection is not implemented here");
    });
  };
  const server = tls ? https.createServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    log,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** A PROPFIND answer with the sync-collection report left out of every DAV:supported-report-set. */
function withoutSyncReport(xml: string): string {
  return xml.replace(/<(?:[\w-]+:)?supported-report>\s*<(?:[\w-]+:)?report>\s*<(?:[\w-]+:)?sync-collection\s*\/>\s*<\/(?:[\w-]+:)?report>\s*<\/(?:[\w-]+:)?supported-report>/g, "");
}

/** Requests straight to Radicale as its user, for setting up and changing address books. */
function adminClient(base: string, user: string, password: string, ca: string | undefined) {
  const dispatcher = new Agent(ca ? { connect: { ca } } : {});
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  return {
    async send(method: string, target: string, body: string | undefined, expected: number[], headers: Record<string, string> = {}) {
      const response = await request(new URL(target, base), { dispatcher, method, headers: { authorization, ...headers }, ...(body === undefined ? {} : { body }) });
      const text = await response.body.text();
      if (!expected.includes(response.statusCode)) throw new Error(`Radicale answered ${method} ${target} with HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
      return { status: response.statusCode, headers: response.headers, text };
    },
    close: () => dispatcher.close(),
  };
}
