// Before any test: make sure the compiled CLI (dist/) is current, since some tests run it as a real process, and
// bring up the database servers the SQL tests need (MariaDB, PostgreSQL), stopped again after the last test.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ensureChromium } from "./helpers/chromium.js";
import { serverFromEnv, startMariaDb, startPostgres, type DbServer, type RunningDbServer } from "./helpers/db-servers.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCES = ["src", "connectors", "test", "bench"];

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(full) : entry.name.endsWith(".ts") ? statSync(full).mtimeMs : 0;
    if (time > newest) newest = time;
  }
  return newest;
}

/** Tools the tests call as real programs: installed from Debian's packages when missing (CI runs as root). */
function ensureTools(): void {
  const missing = ["curl", "openssl", "radicale"].filter((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  execFileSync("sh", ["-c", `(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(" ")}`], {
    stdio: "inherit",
  });
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The MariaDB server for the SQL tests, or why there is none (only outside CI). */
    mysqlServer: DbServer | { unavailable: string };
    postgresServer: DbServer | { unavailable: string };
    /** The browser for the viewer's browser tests, or why there is none (only outside CI). */
    chromium: { path: string } | { unavailable: string };
  }
}

/**
 * A server from the environment (PBSYNC_TEST_MYSQL / PBSYNC_TEST_PG), or one started here. Under CI a server
 * that cannot start fails the run; on a developer's machine its tests report why they cannot run.
 */
async function databaseServer(variable: string, client: DbServer["client"], start: () => Promise<RunningDbServer>, running: RunningDbServer[]) {
  const given = serverFromEnv(variable, client);
  if (given) return given;
  try {
    const server = await start();
    running.push(server);
    return server.server;
  } catch (err) {
    const why = `${client === "mysql" ? "MariaDB" : "PostgreSQL"} could not be started: ${err instanceof Error ? err.message : String(err)}`;
    if (process.env["CI"]) throw new Error(`${why}\n(set ${variable} to use an existing server)`);
    process.stderr.write(`[test setup] ${why}\n`);
    return { unavailable: `${why} (set ${variable} to use an existing server)` };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureTools();
  buildIfStale();
  const running: RunningDbServer[] = [];
  const stopAll = async () => {
    await Promise.all(running.map((server) => server.stop()));
  };
  try {
    const [mysql, postgres, chromium] = await Promise.all([
      databaseServer("PBSYNC_TEST_MYSQL", "mysql", startMariaDb, running),
      databaseServer("PBSYNC_TEST_PG", "pg", startPostgres, running),
      browser(),
    ]);
    project.provide("mysqlServer", mysql);
    project.provide("postgresServer", postgres);
    project.provide("chromium", chromium);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
}

/** Chromium, installed when missing; under CI a browser that cannot be had fails the run. */
async function browser(): Promise<{ path: string } | { unavailable: string }> {
  try {
    return { path: await ensureChromium() };
  } catch (err) {
    const why = `Chromium could not be installed: ${err instanceof Error ? err.message : String(err)}`;
    if (process.env["CI"]) throw new Error(`${why}\n(set PBSYNC_TEST_CHROMIUM to the path of a Chromium or Chrome)`);
    process.stderr.write(`[test setup] ${why}\n`);
    return { unavailable: `${why} (set PBSYNC_TEST_CHROMIUM to a browser's path)` };
  }
}

function buildIfStale(): void {
  const cli = path.join(ROOT, "dist", "src", "cli", "main.js");
  const sourceTime = Math.max(...SOURCES.map((dir) => newestMtime(path.join(ROOT, dir))));
  if (existsSync(cli) && statSync(cli).mtimeMs >= sourceTime) return;
  // `npm test` has built already; this covers `npx vitest` after an edit.
  execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(ROOT, "tsconfig.json")], {
    stdio: "inherit",
  });
}
