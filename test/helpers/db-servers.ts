// Throwaway MariaDB and PostgreSQL servers for the tests: installed from Debian's packages when missing, each
// started on a temporary data directory and a free loopback port, and removed at the end.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** How a test reaches a database server (knex `connection` shape), and who started it. */
export interface DbServer {
  client: "mysql" | "pg";
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Started by the tests (and stopped at the end), or given through the environment. */
  started: boolean;
  /** The CA that signed the server's TLS certificate (for 127.0.0.1), when the tests started the server. */
  caFile?: string;
  /** A CA that did not sign it: a client trusting only this one must refuse the server. */
  otherCaFile?: string;
}

export interface RunningDbServer {
  server: DbServer;
  stop(): Promise<void>;
}

export const TEST_USER = "pbsync";
export const TEST_PASSWORD = "pbsync-test-pw";
export const TEST_DATABASE = "pbsync_test";

/**
 * A server from an environment variable such as PBSYNC_TEST_MYSQL=mysql://user:pass@127.0.0.1:3306/db, for
 * running the tests against an existing server; undefined when the variable is not set.
 */
export function serverFromEnv(variable: string, client: DbServer["client"]): DbServer | undefined {
  const value = process.env[variable];
  if (!value) return undefined;
  const url = new URL(value);
  return {
    client,
    host: url.hostname,
    port: Number(url.port || (client === "mysql" ? 3306 : 5432)),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.replace(/^\//, "") || TEST_DATABASE,
    started: false,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface Certificates {
  caFile: string;
  otherCaFile: string;
  certFile: string;
  keyFile: string;
}

/** A test CA, a server certificate it signed for 127.0.0.1 and localhost, and an unrelated CA (openssl). */
function makeCertificates(dir: string): Certificates {
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe", cwd: dir });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", at("ca-key.pem"), "-out", at("ca.pem"), "-days", "3", "-subj", "/CN=phonebook-sync test CA");
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", at("other-ca-key.pem"), "-out", at("other-ca.pem"), "-days", "3", "-subj", "/CN=some other CA");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", at("server-key.pem"), "-out", at("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(at("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca-key.pem"), "-CAcreateserial", "-out", at("server.pem"), "-days", "3", "-extfile", at("san.ext"));
  return { caFile: at("ca.pem"), otherCaFile: at("other-ca.pem"), certFile: at("server.pem"), keyFile: at("server-key.pem") };
}

function findProgram(candidates: readonly string[]): string | undefined {
  return candidates.find((candidate) => existsSync(candidate));
}

/** apt-get install, as the README promises: the tests bring up their own servers on a machine of this kind. */
function aptInstall(packages: readonly string[], why: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${why} is not installed, and installing it needs root: apt-get install -y ${packages.join(" ")}`);
  process.stderr.write(`[test setup] ${why} is missing: apt-get install -y ${packages.join(" ")}\n`);
  execFileSync("sh", ["-c", `(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(" ")}`], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** Waits until `probe` stops throwing, or fails with what the server printed. */
async function waitFor(probe: () => Promise<void>, child: ChildProcess, output: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}:\n${output()}`);
    try {
      await probe();
      return;
    } catch (err) {
      last = err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${what} did not accept connections within 60 s (${String(last)}):\n${output()}`);
}

function startProcess(command: string, args: readonly string[], options: { uid?: number; gid?: number } = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, output: () => output };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

// ---------------------------------------------------------------------------------------------- MariaDB

const MARIADB = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/bin/mariadbd"];
const MARIADB_INSTALL_DB = ["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db", "/usr/sbin/mariadb-install-db"];

/** A MariaDB server that a test may kill and start again on the same data directory and port. */
export interface RestartableDbServer extends RunningDbServer {
  /** Ends the server the hard way (SIGKILL by default), as a crash would; the data directory stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same data directory and port, and waits until it accepts connections. */
  restart(): Promise<void>;
}

export async function startMariaDb(): Promise<RunningDbServer> {
  const { server, stop } = await startRestartableMariaDb();
  return { server, stop };
}

/** Like startMariaDb, with kill() and restart() for tests of a database that goes away mid-run. */
export async function startRestartableMariaDb(): Promise<RestartableDbServer> {
  if (!findProgram(MARIADB)) aptInstall(["mariadb-server"], "MariaDB");
  const mariadbd = findProgram(MARIADB);
  const installDb = findProgram(MARIADB_INSTALL_DB);
  if (!mariadbd || !installDb) throw new Error(`MariaDB is not installed (looked for ${MARIADB.join(", ")})`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "pbsync-mariadb-"));
  const dataDir = path.join(dir, "data");
  const socket = path.join(dir, "mysqld.sock");
  const port = await freePort();
  const common = ["--no-defaults", `--datadir=${dataDir}`, "--user=root"];
  const tls = makeCertificates(dir);
  execFileSync(installDb, [...common, "--auth-root-authentication-method=socket", "--skip-test-db"], { stdio: "pipe" });
  const args = [
    ...common,
    `--socket=${socket}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    `--pid-file=${path.join(dir, "mysqld.pid")}`,
    "--skip-log-bin",
    "--innodb-buffer-pool-size=64M",
    "--innodb-flush-log-at-trx-commit=2",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    `--ssl-ca=${tls.caFile}`,
    `--ssl-cert=${tls.certFile}`,
    `--ssl-key=${tls.keyFile}`,
  ];
  const mysql = await import("mysql2/promise");
  const asRoot = () => mysql.createConnection({ socketPath: socket, user: "root" });
  let running = startProcess(mariadbd, args);
  const launched = async (): Promise<void> => {
    const { child, output } = running;
    await waitFor(
      async () => {
        const connection = await asRoot();
        await connection.end();
      },
      child,
      output,
      "MariaDB",
    );
  };
  try {
    await launched();
    const root = await asRoot();
    try {
      await root.query(`CREATE DATABASE ${TEST_DATABASE} CHARACTER SET utf8mb4`);
      await root.query(`CREATE USER '${TEST_USER}'@'127.0.0.1' IDENTIFIED BY '${TEST_PASSWORD}'`);
      // Tests create one database per suite, so the user may create and drop databases of its own prefix.
      await root.query(`GRANT ALL PRIVILEGES ON \`pbsync\\_%\`.* TO '${TEST_USER}'@'127.0.0.1'`);
    } finally {
      await root.end();
    }
  } catch (err) {
    await stopProcess(running.child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    server: { client: "mysql", host: "127.0.0.1", port, user: TEST_USER, password: TEST_PASSWORD, database: TEST_DATABASE, started: true, caFile: tls.caFile, otherCaFile: tls.otherCaFile },
    async stop() {
      await stopProcess(running.child);
      await rm(dir, { recursive: true, force: true });
    },
    async kill(signal = "SIGKILL") {
      const { child } = running;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await exited;
    },
    async restart() {
      if (running.child.exitCode === null && running.child.signalCode === null) throw new Error("MariaDB is still running: kill() it first");
      running = startProcess(mariadbd, args);
      await launched();
    },
  };
}

// ------------------------------------------------------------------------------------------- PostgreSQL

function postgresBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(path.join(base, name, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(base, versions[0], "bin");
}

/** initdb and postgres refuse to run as root: as root they run as the `postgres` user the package creates. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

export async function startPostgres(): Promise<RunningDbServer> {
  if (!postgresBinDir()) aptInstall(["postgresql"], "PostgreSQL");
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (looked in /usr/lib/postgresql/*/bin)");
  const dir = await mkdtemp(path.join(os.tmpdir(), "pbsync-postgres-"));
  const dataDir = path.join(dir, "data");
  const user = postgresUser();
  if (user) await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
  const port = await freePort();
  const tls = makeCertificates(dir);
  // PostgreSQL reads its key only when the server's user owns it and nobody else may read it.
  if (user) for (const file of [tls.certFile, tls.keyFile, tls.caFile]) chownSync(file, user.uid, user.gid);
  await chmod(tls.keyFile, 0o600);
  execFileSync(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], {
    stdio: "pipe",
    ...(user ?? {}),
  });
  const { child, output } = startProcess(
    path.join(bin, "postgres"),
    ["-D", dataDir, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "ssl=on", "-c", `ssl_cert_file=${tls.certFile}`, "-c", `ssl_key_file=${tls.keyFile}`],
    user ?? {},
  );
  const pg = (await import("pg")).default;
  // The superuser comes in through the Unix socket (trusted); over TCP every user needs its password, as in production.
  const asSuperuser = () => new pg.Client({ host: dir, port, user: "postgres", database: "postgres" });
  await waitFor(
    async () => {
      const client = asSuperuser();
      await client.connect();
      await client.end();
    },
    child,
    output,
    "PostgreSQL",
  );
  const client = asSuperuser();
  await client.connect();
  try {
    await client.query(`CREATE ROLE ${TEST_USER} LOGIN CREATEDB PASSWORD '${TEST_PASSWORD}'`);
    await client.query(`CREATE DATABASE ${TEST_DATABASE} OWNER ${TEST_USER} ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
  return {
    server: { client: "pg", host: "127.0.0.1", port, user: TEST_USER, password: TEST_PASSWORD, database: TEST_DATABASE, started: true, caFile: tls.caFile, otherCaFile: tls.otherCaFile },
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
