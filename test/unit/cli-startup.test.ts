// What the command line loads: --version and every --help only commander and small modules of ours; a CSV sync
// into SQLite no other store's driver, no viewer, mailer, metrics or emulator. A module hook records every module
// the real process resolves (and, at exit, the CommonJS ones), so a heavy import at the top of a command shows up.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { ROOT, runCli, type CliResult } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const HOOKS = `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(file, resolved.url + "\\n");
  return resolved;
}
`;

const PRELOAD = `import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
const file = process.env.PBSYNC_LOAD_TRACE;
register("./hooks.mjs", import.meta.url, { data: { file } });
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(file, Object.keys(require.cache).map((loaded) => pathToFileURL(loaded).href + "\\n").join("")));
`;

/** Each costs tens of milliseconds to import (npm run bench -- --sources startup): no --help needs any of them. */
const HEAVY = ["zod", "yaml", "knex", "better-sqlite3", "mysql2", "pg", "undici", "form-data", "fast-xml-parser", "pino", "libphonenumber-js", "papaparse", "iconv-lite", "node-cron", "busboy", "hono", "@hono/node-server", "nodemailer", "prom-client"];

let dir: string;
let preload: string;

beforeAll(async () => {
  dir = await tempDir("pbsync-startup-");
  await writeFile(path.join(dir, "hooks.mjs"), HOOKS);
  await writeFile(path.join(dir, "preload.mjs"), PRELOAD);
  preload = pathToFileURL(path.join(dir, "preload.mjs")).href;
});

interface Loaded {
  result: CliResult;
  /** npm packages loaded: "commander", "@hono/node-server", ... */
  packages: Set<string>;
  /** Modules of ours loaded, relative to the package root: "dist/src/cli/main.js", ... */
  ours: string[];
}

/** Runs the compiled CLI with the hook preloaded and returns what it printed and what it loaded. */
async function traced(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Loaded> {
  const trace = path.join(dir, `${name}.trace`);
  await rm(trace, { force: true });
  const result = await runCli(args, { env: { ...env, NODE_OPTIONS: `--import ${preload}`, PBSYNC_LOAD_TRACE: trace }, timeoutMs: 60_000 });
  const urls = (await readFile(trace, "utf8")).split("\n").filter((url) => url !== "");
  const packages = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match?.[1]) packages.add(match[1]);
  }
  const root = pathToFileURL(ROOT).href;
  const ours = urls.filter((url) => url.startsWith(`${root}/dist/`)).map((url) => url.slice(root.length + 1));
  return { result, packages, ours };
}

describe("the command line's start-up", () => {
  it("prints --version with commander loaded and none of the heavy packages", async () => {
    const { result, packages, ours } = await traced("version", ["--version"]);
    expect(result.stdout.trim()).toBe("0.1.0");
    expect(result.code).toBe(0);
    // The hook saw the process load: an empty trace would pass the checks below for nothing.
    expect(packages.has("commander")).toBe(true);
    expect(ours).toContain("dist/src/cli/main.js");
    expect(HEAVY.filter((pkg) => packages.has(pkg))).toEqual([]);
    expect(ours.filter((file) => file.endsWith("-action.js"))).toEqual([]);
  });

  it("prints every command's --help without loading a heavy package or an action", async () => {
    const helps = [[], ["sync"], ["validate"], ["reports"], ["reports", "export"], ["serve"], ["jobs"], ["daemon"], ["demo"], ["emulator"]];
    for (const args of helps) {
      const { result, packages, ours } = await traced(`help-${args.join("-") || "main"}`, [...args, "--help"]);
      const label = [...args, "--help"].join(" ");
      expect(result.code, label).toBe(0);
      expect(result.stdout, label).toContain("Usage: phonebook-sync");
      expect(packages.has("commander"), label).toBe(true);
      expect(HEAVY.filter((pkg) => packages.has(pkg)), label).toEqual([]);
      expect(ours.filter((file) => file.endsWith("-action.js")), label).toEqual([]);
    }
  });
});

describe("a CSV sync into SQLite", () => {
  const TOKEN = "tok-STARTUP-5c1e";
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, token: TOKEN });
  });
  afterAll(() => emulator.close());

  it("loads neither the other stores' drivers nor the viewer, the mailer, the metrics or the emulator", async () => {
    const config = path.join(dir, "csv.yaml");
    await writeFile(
      config,
      `pbx:
  url: ${emulator.url}
  token: \${VOISPEED_TOKEN}
store:
  client: sqlite
  filename: ./csv.sqlite
jobs:
  - name: csv
    appName: CSV
    source: { type: csv, path: ${path.join(ROOT, "examples", "contacts.csv")} }
    mapping: ${path.join(ROOT, "mappings", "default.yaml")}
`,
    );
    const { result, packages, ours } = await traced("sync", ["sync", "--config", config], { VOISPEED_TOKEN: TOKEN });
    // The example file has a few bad rows on purpose: a partial run.
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain("Job csv (uc_app_name CSV)");
    expect(emulator.phonebook.count()).toBeGreaterThan(100);
    for (const used of ["knex", "better-sqlite3", "papaparse", "undici", "zod"]) expect(packages.has(used), used).toBe(true);
    expect(["mysql2", "pg", "hono", "@hono/node-server", "nodemailer", "prom-client", "busboy"].filter((pkg) => packages.has(pkg))).toEqual([]);
    // The command definitions' constants and option parsers (the emulator's defaults and --latency, the viewer's
    // variables) are all of them it loads.
    const apart = ours.filter((file) => /^dist\/src\/(emulator|web|scheduler)\//.test(file));
    expect(apart.sort()).toEqual(["dist/src/emulator/latency.js", "dist/src/emulator/types.js", "dist/src/web/viewer-env.js"]);
  });
});
