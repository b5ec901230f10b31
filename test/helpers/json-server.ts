// json-server 0.17 (a devDependency) as a real child process on loopback: a REST API over a db.json, for end-to-end
// tests of the REST source. Killed when the test file ends, or at the latest when the test process exits.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll } from "vitest";
import { ROOT } from "./cli.js";
import { deadPort } from "./ports.js";

export const JSON_SERVER_BIN = path.join(ROOT, "node_modules", ".bin", "json-server");

export interface JsonServer {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  pid: number;
  /** Paths and queries of the requests it logged so far, in order: `GET /contacts?_page=2&_limit=200`. */
  requests(): string[];
  /** Everything it printed, for failure messages. */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; resolves once the process is gone. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const ATTEMPTS = 3;
const live = new Set<ChildProcess>();

afterAll(async () => {
  await Promise.all([...live].map((child) => stop(child)));
});
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Starts `json-server --host 127.0.0.1 --port P DBFILE` in `cwd` and waits until it answers HTTP. json-server 0.17
 * takes `--port 0` but then prints and tells ":0", never the port it got: so a port that was free a moment ago is
 * passed, and another one tried when json-server could not bind it.
 */
export async function startJsonServer(dbFile: string, cwd: string): Promise<JsonServer> {
  let failure = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const port = await deadPort();
    const started = await startOn(dbFile, cwd, port);
    if ("server" in started) return started.server;
    failure = started.failure;
  }
  throw new Error(`json-server did not start in ${ATTEMPTS} attempts; the last said:\n${failure}`);
}

async function startOn(dbFile: string, cwd: string, port: number): Promise<{ server: JsonServer } | { failure: string }> {
  const child = spawn(process.execPath, [JSON_SERVER_BIN, "--host", "127.0.0.1", "--port", String(port), dbFile], {
    cwd,
    // Its request log is off under NODE_ENV=test, which vitest sets.
    env: { ...process.env, NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`cannot start json-server (${process.execPath} ${JSON_SERVER_BIN})`);
  live.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const url = `http://127.0.0.1:${port}`;
  const answered = await waitForAnswer(child, url);
  if (!answered) {
    await stop(child);
    return { failure: output };
  }
  const pid = child.pid;
  return {
    server: {
      url,
      pid,
      output: () => output,
      requests: () => requestLines(output),
      close: () => stop(child),
    },
  };
}

/** True once GET / is answered by json-server (Express); false when the process exits or the time is up. */
async function waitForAnswer(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.headers.get("x-powered-by") === "Express") return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  live.delete(child);
}

/** The request lines of json-server's log (morgan's "dev" format, with colours): `GET /contacts?_page=1 200 3 ms - 9`. */
function requestLines(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  return [...plain.matchAll(/^(GET|POST|PUT|PATCH|DELETE) (\S+) \d{3}\b/gm)].map((match) => `${match[1]} ${match[2]}`);
}
