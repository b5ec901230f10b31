// `npm run bench -- --sources startup`: how fast the command line starts (--version, --help, sync --help and a
// no-change sync of the demo's 200 contacts; wall time and peak RSS, median of 5 runs), which heavy packages each
// of them loads, and what each heavy package costs to import in a fresh process.
import { execFile } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { measure } from "./measure.js";

/** Timed runs per command and per package; the median is reported. */
export const STARTUP_RUNS = 5;

/** The packages worth not loading: their import costs tens of milliseconds and megabytes (see the second table). */
export const HEAVY_PACKAGES = [
  "commander",
  "zod",
  "yaml",
  "knex",
  "better-sqlite3",
  "mysql2",
  "pg",
  "undici",
  "form-data",
  "fast-xml-parser",
  "pino",
  "libphonenumber-js",
  "papaparse",
  "iconv-lite",
  "node-cron",
  "busboy",
  "hono",
  "@hono/node-server",
  "nodemailer",
  "prom-client",
] as const;

/** What to import to load a package the way the code does (libphonenumber-js: its "min" metadata). */
const ENTRY: Readonly<Partial<Record<string, string>>> = { "libphonenumber-js": "libphonenumber-js/min" };

const TRACE = pathToFileURL(path.join(import.meta.dirname, "load-trace.js")).href;

export interface StartupRow {
  label: string;
  wallS: number;
  peakRssMb: number;
  /** The heavy packages the command loaded, in HEAVY_PACKAGES order. */
  heavy: string[];
  problem: string | null;
}

export interface PackageLoad {
  name: string;
  ms: number;
  /** RSS after the import, above that of a node process that imports nothing. */
  rssMb: number;
}

export interface StartupBench {
  rows: StartupRow[];
  packages: PackageLoad[];
  /** RSS of a bare node process. */
  nodeRssMb: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** The npm packages among the module URLs of a trace: "knex", "@hono/node-server", ... */
export function packagesOf(urls: readonly string[]): Set<string> {
  const packages = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match?.[1]) packages.add(match[1]);
  }
  return packages;
}

/** Runs `args` of the CLI STARTUP_RUNS times for the figures, then once more under the load trace. */
async function timeCommand(cli: string, label: string, args: readonly string[], dir: string, expectedExit: number): Promise<StartupRow> {
  const name = `startup-${label.replace(/\W+/g, "-")}`;
  const runs = [];
  for (let i = 0; i < STARTUP_RUNS; i++) runs.push(await measure({ args: [cli, ...args] }, dir, `${name}-${i}`));
  const traceFile = path.join(dir, `${name}.trace`);
  await rm(traceFile, { force: true });
  const traced = await measure({ args: ["--import", TRACE, cli, ...args], env: { BENCH_TRACE_FILE: traceFile } }, dir, `${name}-trace`);
  const loaded = packagesOf((await readFile(traceFile, "utf8").catch(() => "")).split("\n"));
  const failed = [...runs, traced].find((run) => run.exitCode !== expectedExit);
  return {
    label,
    wallS: median(runs.map((run) => run.wallS)),
    peakRssMb: median(runs.map((run) => run.peakRssMb)),
    heavy: HEAVY_PACKAGES.filter((pkg) => loaded.has(pkg)),
    problem: failed ? `exited ${failed.exitCode ?? failed.signal} (expected ${expectedExit}): ${failed.output.trim().split("\n").slice(-3).join(" / ")}` : null,
  };
}

const IMPORT_TIMER = `const started = performance.now(); if (process.argv[1]) await import(process.argv[1]);
console.log(JSON.stringify({ ms: performance.now() - started, rss: process.memoryUsage().rss }));`;

/** One import of `entry` in a fresh node process, from the package's root (where node_modules is). */
async function importOnce(root: string, entry: string | undefined): Promise<{ ms: number; rss: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", IMPORT_TIMER, ...(entry ? [entry] : [])], { cwd: root });
  return JSON.parse(stdout) as { ms: number; rss: number };
}

async function packageLoads(root: string): Promise<{ packages: PackageLoad[]; nodeRssMb: number }> {
  const bare = [];
  for (let i = 0; i < STARTUP_RUNS; i++) bare.push((await importOnce(root, undefined)).rss);
  const nodeRss = median(bare);
  const packages: PackageLoad[] = [];
  for (const name of HEAVY_PACKAGES) {
    const runs = [];
    for (let i = 0; i < STARTUP_RUNS; i++) runs.push(await importOnce(root, ENTRY[name] ?? name));
    packages.push({ name, ms: median(runs.map((run) => run.ms)), rssMb: (median(runs.map((run) => run.rss)) - nodeRss) / 2 ** 20 });
  }
  return { packages, nodeRssMb: nodeRss / 2 ** 20 };
}

/**
 * Measures the CLI at `cli` (the built dist/src/cli/main.js, or another build to compare with). The demo runs once
 * untimed in `dir` to write its store and phonebook, so the timed runs are no-change syncs.
 */
export async function runStartupBench(cli: string, root: string, dir: string, log: (line: string) => void): Promise<StartupBench> {
  await mkdir(dir, { recursive: true });
  const rows: StartupRow[] = [];
  const demoData = path.join(dir, "demo-data");
  const commands: Array<[string, string[], number]> = [
    ["--version", ["--version"], 0],
    ["--help", ["--help"], 0],
    ["sync --help", ["sync", "--help"], 0],
    ["demo, no change (200 contacts)", ["demo", "--data", demoData], 0],
  ];
  const first = await measure({ args: [cli, "demo", "--data", demoData] }, dir, "startup-demo-first");
  if (first.exitCode !== 0) log(`  the demo's first run exited ${first.exitCode ?? first.signal}: ${first.output.trim().split("\n").slice(-3).join(" / ")}`);
  for (const [label, args, exit] of commands) {
    const row = await timeCommand(cli, label, args, dir, exit);
    rows.push(row);
    log(`  ${label.padEnd(32)} ${row.wallS.toFixed(3)} s wall, ${row.peakRssMb.toFixed(0)} MB peak RSS${row.problem ? `\n    FAILED: ${row.problem}` : ""}`);
  }
  const { packages, nodeRssMb } = await packageLoads(root);
  return { rows, packages, nodeRssMb };
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

export function startupTable(bench: StartupBench): string {
  const lines = [`| command (median of ${STARTUP_RUNS}) | wall s | peak RSS MB | heavy packages loaded | result |`, "|---|--:|--:|---|---|"];
  for (const row of bench.rows) {
    const result = row.problem === null ? "ok" : `FAILED: ${row.problem.replace(/\|/g, "\\|")}`;
    lines.push(`| ${row.label} | ${fixed(row.wallS, 3)} | ${fixed(row.peakRssMb, 0)} | ${row.heavy.join(", ") || "none"} | ${result} |`);
  }
  return lines.join("\n");
}

export function packagesTable(bench: StartupBench): string {
  const lines = [
    `| package (import in a fresh process, median of ${STARTUP_RUNS}) | ms | RSS MB above bare node (${fixed(bench.nodeRssMb, 0)} MB) |`,
    "|---|--:|--:|",
  ];
  for (const load of bench.packages) lines.push(`| ${load.name} | ${fixed(load.ms, 0)} | ${fixed(load.rssMb, 1)} |`);
  return lines.join("\n");
}

export function startupSection(bench: StartupBench, runLine: string): string {
  return `\`npm run bench -- --sources startup\` (bench/startup.ts; \`--cli path/to/main.js\` measures another build). Each command
runs ${STARTUP_RUNS} times in its own process (wall time from outside, peak RSS the process's own), then once more with
bench/load-trace.ts preloaded to list the heavy packages it loaded. The demo runs once untimed first, so its timed
runs are no-change syncs of examples/contacts.csv into the embedded emulator. Every command loads only what its
path needs: a definition (options, help) imports commander and small constant modules, and its action imports
the rest when it runs (src/cli/*-action.ts).

${runLine}

${startupTable(bench)}

${packagesTable(bench)}`;
}
