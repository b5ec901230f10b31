// No secret leaks from a failing run of any command: the PBX token, a database password, SMTP and webhook credentials,
// each with a quote, a backslash and non-ASCII, against stand-ins that echo them back escaped; every output is searched.
import { once } from "node:events";
import { readdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { runCli, startCli, type CliResult } from "../helpers/cli.js";
import { startDaemon } from "../helpers/daemon.js";
import { deadPort } from "../helpers/ports.js";
import { HEADER, MAPPING, rows } from "../helpers/sync-env.js";
import { tempDir } from "../helpers/temp.js";

// Each holds a mark (Zx9..) right after its first character: letters survive every escaping and a cut excerpt
// keeps its start, so a mark found anywhere is a leak, whatever form the secret took.
const SECRETS = {
  token: { value: `t"Zx9Tk\\é€ 'pbx-token`, mark: "Zx9Tk" },
  dbPassword: { value: `d"Zx9Db\\wörd-41`, mark: "Zx9Db" },
  smtpPassword: { value: `s"Zx9Sm\\pässé-93`, mark: "Zx9Sm" },
  hookCredential: { value: `h"Zx9Hk\\cred-ñ-77`, mark: "Zx9Hk" },
};
const SMTP_USER = "notifier";

const json = (text: string): string => JSON.stringify(text).slice(1, -1);
const html = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The forms a secret takes in a log line, a JSON body, a page or a URL; checked besides the mark, to name the form. */
function forms(secret: string): Record<string, string> {
  return {
    raw: secret,
    "JSON-escaped": json(secret),
    "JSON-escaped twice": json(json(secret)),
    "JSON-escaped, ASCII only": json(secret).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    "HTML-escaped": html(secret),
    "HTML-escaped JSON": html(json(secret)),
    "URL-encoded": encodeURIComponent(secret),
    "form-encoded": new URLSearchParams({ v: secret }).toString().slice(2),
    base64: Buffer.from(secret).toString("base64"),
  };
}

/** Every secret in every form, and every mark, is absent from `text`: the failure names what leaked where. */
function expectNoSecret(where: string, text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const [form, value] of Object.entries(forms(secret.value))) {
      if (text.includes(value)) expect.fail(`${where} holds the ${name} ${form}:\n${text.slice(0, 4000)}`);
    }
    if (text.includes(secret.mark)) expect.fail(`${where} holds part of the ${name} (${secret.mark}):\n${text.slice(0, 4000)}`);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => (server instanceof http.Server && server.closeAllConnections(), server.close(() => resolve()))));
  return (server.address() as net.AddressInfo).port;
}

/** A PBX behind a front end that refuses the token and quotes it back: in a JSON error (403), or in an HTML page. */
async function echoingPbx(kind: "json" | "html"): Promise<{ url: string; tokens: string[] }> {
  const tokens: string[] = [];
  const server = http.createServer((req, res) => {
    const token = new URL(req.url ?? "/", "http://pbx").searchParams.get("token") ?? "";
    tokens.push(token);
    req.resume();
    if (kind === "json") {
      res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ error: `token "${token}" is not valid` }));
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(`<html><body><p>token &quot;${html(token)}&quot; refused</p></body></html>`);
    }
  });
  return { url: `http://127.0.0.1:${await listen(server)}/PBX/seri_endpoint.php`, tokens };
}

/** A PostgreSQL server that asks for the password in clear text and refuses it, quoting it JSON-escaped. */
async function echoingPostgres(): Promise<{ port: number; passwords: string[] }> {
  const passwords: string[] = [];
  const field = (code: string, text: string) => Buffer.concat([Buffer.from(code), Buffer.from(text, "utf8"), Buffer.from([0])]);
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!started) {
        if (buffer.length < 8 || buffer.length < buffer.readInt32BE(0)) return;
        const code = buffer.readInt32BE(4);
        buffer = buffer.subarray(buffer.readInt32BE(0));
        if (code === 80_877_103) return void socket.write("N"); // SSLRequest: no TLS here
        started = true;
        return void socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
      if (buffer.length < 5 || buffer.length < buffer.readInt32BE(1) + 1) return;
      const password = buffer.subarray(5, buffer.readInt32BE(1)).toString("utf8").replace(/\0$/, "");
      passwords.push(password);
      const fields = Buffer.concat([
        field("S", "FATAL"),
        field("V", "FATAL"),
        field("C", "28P01"),
        field("M", `password "${json(password)}" is wrong for user "reader"`),
        Buffer.from([0]),
      ]);
      const head = Buffer.alloc(5);
      head.write("E");
      head.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([head, fields]));
    });
  });
  return { port: await listen(server), passwords };
}

/** A webhook receiver that refuses the credential (401) and quotes it back JSON-escaped. */
async function echoingWebhook(): Promise<{ url: string; authorizations: string[] }> {
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    const authorization = req.headers.authorization ?? "";
    authorizations.push(authorization);
    req.resume();
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: `credential "${authorization}" refused` }));
  });
  return { url: `http://127.0.0.1:${await listen(server)}/hooks/phonebook`, authorizations };
}

/** An SMTP server that refuses the login, quoting the password back JSON-escaped in its 535 reply. */
async function echoingSmtp(): Promise<{ port: number; passwords: string[] }> {
  const passwords: string[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    closeTimeout: 100,
    logger: false,
    onAuth(auth, _session, callback) {
      passwords.push(auth.password ?? "");
      callback(new Error(`password "${json(auth.password ?? "")}" refused for ${auth.username ?? ""}`));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as net.AddressInfo).port, passwords };
}

interface Setup {
  dir: string;
  env: NodeJS.ProcessEnv;
  emulator: RunningEmulator;
  jsonPbx: Awaited<ReturnType<typeof echoingPbx>>;
  htmlPbx: Awaited<ReturnType<typeof echoingPbx>>;
  postgres: Awaited<ReturnType<typeof echoingPostgres>>;
  webhook: Awaited<ReturnType<typeof echoingWebhook>>;
  smtp: Awaited<ReturnType<typeof echoingSmtp>>;
  /** Writes a configuration whose PBX is `pbxUrl` (every secret from the environment) and returns its file. */
  config(name: string, pbxUrl: string, store?: string): Promise<string>;
}

let setup: Setup;

beforeAll(async () => {
  const dir = await tempDir("pbsync-secrets-");
  await writeFile(path.join(dir, "contacts.csv"), `${[HEADER, ...rows(3)].join("\n")}\n`);
  await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
  // The emulator takes another token: the PBX that refuses ours.
  const emulator = await startEmulator({ port: 0, token: "the-pbx-expects-another-token" });
  cleanups.push(() => emulator.close());
  const [jsonPbx, htmlPbx, postgres, webhook, smtp] = await Promise.all([echoingPbx("json"), echoingPbx("html"), echoingPostgres(), echoingWebhook(), echoingSmtp()]);
  const env = {
    VOISPEED_TOKEN: SECRETS.token.value,
    CRM_DB_PASSWORD: SECRETS.dbPassword.value,
    SMTP_PASSWORD: SECRETS.smtpPassword.value,
    HOOK_CREDENTIAL: SECRETS.hookCredential.value,
    LOG_LEVEL: "debug",
    DEBUG: "1",
  };
  const config = async (name: string, pbxUrl: string, store = "{ client: sqlite, filename: ./store.sqlite }"): Promise<string> => {
    const file = path.join(dir, `${name}.yaml`);
    await writeFile(
      file,
      `pbx: { url: "${pbxUrl}", token: "\${VOISPEED_TOKEN}" }
store: ${store}
log: { level: debug }
defaults: { retry: { attempts: 1, minDelayMs: 10, maxDelayMs: 20 }, retryWindow: "off", schedule: "0 3 * * *", runOnStart: true }
notifications:
  webhook: { url: "${webhook.url}", headers: { Authorization: "Bearer \${HOOK_CREDENTIAL}" }, attempts: 1, timeoutMs: 2000 }
  email:
    smtp: { host: 127.0.0.1, port: ${smtp.port}, user: ${SMTP_USER}, password: "\${SMTP_PASSWORD}", timeoutMs: 2000 }
    from: sync@example.com
    to: ops@example.com
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
  - name: erp
    appName: ERP
    source:
      type: sql
      client: pg
      connection: { host: 127.0.0.1, port: ${postgres.port}, user: reader, password: "\${CRM_DB_PASSWORD}", database: erp }
      table: contacts
      key: id
    mapping: ./mapping.yaml
`,
    );
    return file;
  };
  setup = { dir, env, emulator, jsonPbx, htmlPbx, postgres, webhook, smtp, config };
});

/** What a command printed, for the search. */
function printed(what: string, result: CliResult): [string, string] {
  return [what, `${result.stdout}\n${result.stderr}`];
}

describe("secrets never leak", () => {
  it("masks the token a PBX quotes back JSON-escaped, in the log, the message and the store of a failed sync", async () => {
    const config = await setup.config("json-echo", setup.jsonPbx.url);
    const result = await runCli(["sync", "--config", config, "--job", "crm", "--plain", "--log-level", "debug"], { env: setup.env, cwd: setup.dir });
    expect(result.code, result.stderr).toBe(1);
    // The front end saw the real token and quoted it back: the leak had its chance.
    expect(setup.jsonPbx.tokens, result.stderr).toContain(SECRETS.token.value);
    expect(result.stderr).toMatch(/is not valid/);
    expect(result.stderr).toContain("***");
    expectNoSecret("sync's stdout and stderr", `${result.stdout}\n${result.stderr}`);
    expectNoSecret("the store", (await readFile(path.join(setup.dir, "store.sqlite"))).toString("latin1"));
  });

  it("refuses a token on the command line (exit 2) without repeating it, and says to use VOISPEED_TOKEN", async () => {
    const result = await runCli(["emulator", "--port", "0", "--token", SECRETS.token.value], { cwd: setup.dir, timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("VOISPEED_TOKEN");
    expect(result.stderr).toContain("--token");
    expectNoSecret("emulator --token", `${result.stdout}\n${result.stderr}`);
  });

  it("keeps every secret out of every output of failing sync, validate, daemon, reports, serve and jobs runs", async () => {
    const { dir, env } = setup;
    const outputs: [string, string][] = [];
    const dead = `http://127.0.0.1:${await deadPort()}/PBX/seri_endpoint.php`;
    const [refusedConfig, emulatorConfig, htmlConfig, mysqlConfig] = await Promise.all([
      setup.config("refused", dead),
      setup.config("emulator", setup.emulator.url),
      setup.config("html-echo", setup.htmlPbx.url),
      setup.config("mysql", setup.emulator.url, `{ client: mysql, connection: { host: 127.0.0.1, port: ${await deadPort()}, user: sync, password: "\${CRM_DB_PASSWORD}", database: reports } }`),
    ]);
    const cli = (args: string[]) => runCli(args, { env, cwd: dir, timeoutMs: 30_000 });

    // The daemon: the erp job has no run yet, so its failure is told, and refused by the webhook and the SMTP
    // server. Meanwhile validate --connect against a front end that answers a page; then sync (crm only, so that
    // erp's first run is the daemon's) against a PBX that is not there and one that refuses the token.
    const daemonRun = async (): Promise<string> => {
      const daemon = startDaemon(emulatorConfig, { env, cwd: dir });
      await daemon.waitForLog((record) => record.msg === "notice not sent" && record["channel"] === "webhook", 20_000);
      await daemon.waitForLog((record) => record.msg === "notice not sent" && record["channel"] === "email", 20_000);
      await daemon.stop("SIGTERM", 15_000);
      return daemon.lines.join("\n");
    };
    // The two syncs of crm run after the daemon (which runs crm on start too) and one after the other: three
    // processes racing for crm's lock would leave the losers' runs unrecorded (JOB_LOCKED), and fewer runs to read.
    const [daemonLog, validated] = await Promise.all([daemonRun(), cli(["validate", "--config", htmlConfig, "--connect"])]);
    const refused = await cli(["sync", "--config", refusedConfig, "--job", "crm", "--plain", "--log-level", "debug"]);
    const rejected = await cli(["sync", "--config", emulatorConfig, "--job", "crm", "--plain", "--log-level", "debug"]);
    expect([refused.code, rejected.code, validated.code], `${refused.stderr}\n${rejected.stderr}\n${validated.stderr}`).toEqual([1, 1, 1]);
    expect(`${refused.stderr}\n${rejected.stderr}`).not.toMatch(/already running/);
    outputs.push(["daemon log", daemonLog], printed("sync (refused PBX)", refused), printed("sync (token refused)", rejected), printed("validate --connect", validated));
    expect(setup.htmlPbx.tokens).toContain(SECRETS.token.value);
    expect(setup.postgres.passwords).toContain(SECRETS.dbPassword.value);
    expect(setup.webhook.authorizations).toContain(`Bearer ${SECRETS.hookCredential.value}`);
    expect(setup.smtp.passwords).toContain(SECRETS.smtpPassword.value);

    // The reports of those failed runs and the jobs; reports and serve on a MySQL store that does not answer.
    const exportFile = path.join(dir, "export.json");
    const results = await Promise.all([
      cli(["reports", "list", "--config", emulatorConfig]),
      cli(["reports", "show", "latest", "--job", "erp", "--config", emulatorConfig]),
      cli(["reports", "export", "latest", "--job", "crm", "--config", emulatorConfig, "--format", "json", "--output", exportFile]),
      cli(["jobs", "--config", emulatorConfig]),
      cli(["reports", "list", "--config", mysqlConfig]),
      cli(["serve", "--config", mysqlConfig, "--port", "0"]),
    ]);
    expect(results.map((result) => result.code), results.map((result) => result.stderr).join("\n")).toEqual([0, 0, 0, 0, 1, 1]);
    expect(results[1]?.stdout).toMatch(/failed/);
    results.forEach((result, index) => outputs.push(printed(`reports, jobs or serve #${index + 1}`, result)));

    // The viewer's pages, fetched over HTTP: the run list, each job, each run, its exports.
    const viewer = await startCli(["serve", "--config", emulatorConfig, "--port", "0"], /Report viewer on (http:\/\/\S+)/, { env, cwd: dir });
    try {
      const base = (viewer.match[1] as string).replace(/\/$/, "");
      const index = await (await fetch(`${base}/`)).text();
      outputs.push(["viewer /", index]);
      const ids = [...new Set([...index.matchAll(/\/runs\/(\d+)/g)].map((match) => match[1] as string))];
      expect(ids.length).toBeGreaterThanOrEqual(4);
      const pages = ["/jobs/crm", "/jobs/erp", ...ids.flatMap((id) => [`/runs/${id}`, `/runs/${id}/export.csv`])];
      for (const page of pages) {
        const response = await fetch(`${base}${page}`);
        expect(response.status, page).toBe(200);
        outputs.push([`viewer ${page}`, await response.text()]);
      }
      expect(outputs.find(([what]) => what === "viewer /jobs/erp")?.[1]).toMatch(/failed/i);
    } finally {
      // Gone before the store's files are read: a closing SQLite removes its journal files.
      const exited = viewer.child.exitCode === null ? once(viewer.child, "exit") : Promise.resolve();
      viewer.child.kill("SIGTERM");
      await exited;
    }
    outputs.push(["serve's output", viewer.output()]);

    // The files: exports, and the store's bytes (with its journal files, if any).
    outputs.push(["export.json", await readFile(exportFile, "utf8")]);
    for (const file of (await readdir(dir)).filter((name) => name.startsWith("store.sqlite"))) {
      outputs.push([file, (await readFile(path.join(dir, file))).toString("latin1")], [`${file} (UTF-8)`, await readFile(path.join(dir, file), "utf8")]);
    }

    // The failures were recorded and told: there was something to leak.
    const all = outputs.map(([, text]) => text).join("\n");
    expect(all).toMatch(/PBX/);
    expect(all).toContain("***");
    for (const [where, text] of outputs) expectNoSecret(where, text);
  });
});
