// `npm run bench`: generates sources of N contacts, measures every scenario in its own process against an
// emulator in another, prints the table and the ratios against issue 14's targets, writes BENCHMARKS.md,
// and checks that the PBX ends up holding exactly the expected contacts; then times the report viewer's queries.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startEmulatorProcess, type EmulatorProcess } from "./emulator.js";
import { measure } from "./measure.js";
import { loadLine, machineLine, ratiosTable, resultsTable, revisionLine, writeMarkedSection, type Result } from "./report.js";
import { REPORT_ROWS, runViewerBench, viewerQueriesTable, viewerSection, viewerWritesTable } from "./report-queries.js";
import { DEFAULTS } from "../src/config/schema.js";
import { CSV_GROUP, CSV_SLOW_PBX_GROUP, SLOW_PBX, type RunContext, type SourceGroup } from "./scenarios.js";
import { MARIADB_GROUP } from "./scenarios-mariadb.js";
import { REST_GROUP } from "./rest-scenarios.js";
import { runStartupBench, startupSection } from "./startup.js";
import { benchDatabase, type BenchDatabase } from "./source/mariadb.js";
import { FULL_CHECK_MAX, SAMPLE_SIZE, verifyPhonebook } from "./verify.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const GROUPS: Readonly<Record<string, readonly SourceGroup[]>> = { csv: [CSV_GROUP, CSV_SLOW_PBX_GROUP], mariadb: [MARIADB_GROUP], rest: [REST_GROUP] };
const USAGE = `usage: npm run bench -- [--n 100000[,1000000]] [--sources csv,mariadb,rest,viewer,startup] [--slow-pbx-max N] [--viewer-rows 1000000] [--cli main.js] [--out BENCHMARKS.md] [--keep]
  --n        contacts per source; repeat or separate with commas (default 100000 and 1000000)
  --sources  what to measure (default csv,mariadb,rest,viewer,startup); mariadb starts a throwaway MariaDB server
             (installed with apt-get when missing), or uses PBSYNC_BENCH_MYSQL=mysql://user:pass@host:port/db;
             rest serves the contacts as JSON pages from a local API (bench/rest-server.ts); viewer times the
             report viewer's store queries on one run of --viewer-rows report rows (bench/report-queries.ts,
             about 10 minutes for 1,000,000), into its own section of the --out file; startup times --version,
             --help, sync --help and a no-change demo sync, and each heavy package's import (bench/startup.ts,
             under a minute), into its own section too
  --slow-pbx-max  largest N of csv's "first sync, slow PBX" row (default: every N; 0: never); that row waits for
             a PBX answering each batch after ${SLOW_PBX.baseMs} ms + ${SLOW_PBX.perContactMs} ms per contact, about 35 s per 100,000 contacts
  --viewer-rows  report rows in the viewer's run (default 1000000)
  --cli   the CLI the startup section measures (default dist/src/cli/main.js; another build's to compare)
  --out   Markdown file the tables are written to (default BENCHMARKS.md)
  --keep  keep the working directory (sources, configs, stores, logs) and print where it is; the viewer's
          stores (about 1.2 GB each for 1,000,000 rows) are removed all the same`;

interface Options {
  sizes: number[];
  groups: SourceGroup[];
  /** Rows of the viewer benchmark's run, or null when it is not asked for. */
  viewerRows: number | null;
  /** The CLI whose start-up is measured, or null when the startup section is not asked for. */
  startupCli: string | null;
  /** The largest N the slow PBX row runs at. */
  slowPbxMax: number;
  out: string;
  keep: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      n: { type: "string", multiple: true },
      sources: { type: "string" },
      "viewer-rows": { type: "string" },
      "slow-pbx-max": { type: "string" },
      cli: { type: "string" },
      out: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sizes = (values.n ?? ["100000", "1000000"]).flatMap((text) => text.split(",")).map((text) => Number(text.replace(/_/g, "")));
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 100 || n > 10_000_000) {
      console.error(`invalid --n ${n}: use a whole number 100..10000000\n${USAGE}`);
      process.exit(2);
    }
  }
  const names = (values.sources ?? "csv,mariadb,rest,viewer,startup").split(",").map((name) => name.trim());
  const unknown = names.filter((name) => name !== "viewer" && name !== "startup" && !Object.hasOwn(GROUPS, name));
  // Every group generates the CSV source it is checked against (prepareCsv), so any of them may run alone.
  if (unknown.length > 0 || names.length === 0) {
    console.error(`invalid --sources ${values.sources ?? ""}: one or more of csv, mariadb, rest, viewer, startup\n${USAGE}`);
    process.exit(2);
  }
  const viewerRows = Number((values["viewer-rows"] ?? String(REPORT_ROWS)).replace(/_/g, ""));
  if (!Number.isInteger(viewerRows) || viewerRows < 1_000 || viewerRows > 10_000_000) {
    console.error(`invalid --viewer-rows ${values["viewer-rows"] ?? ""}: use a whole number 1000..10000000\n${USAGE}`);
    process.exit(2);
  }
  const slowPbxMax = values["slow-pbx-max"] === undefined ? Number.POSITIVE_INFINITY : Number(values["slow-pbx-max"].replace(/_/g, ""));
  if (!(slowPbxMax === Number.POSITIVE_INFINITY || (Number.isInteger(slowPbxMax) && slowPbxMax >= 0))) {
    console.error(`invalid --slow-pbx-max ${values["slow-pbx-max"] ?? ""}: use a whole number of contacts (0: never)\n${USAGE}`);
    process.exit(2);
  }
  const groups = names.flatMap((name) => GROUPS[name] ?? []);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    groups,
    viewerRows: names.includes("viewer") ? viewerRows : null,
    startupCli: names.includes("startup") ? path.resolve(values.cli ?? path.join(ROOT, "dist", "src", "cli", "main.js")) : null,
    slowPbxMax,
    out: path.resolve(values.out ?? "BENCHMARKS.md"),
    keep: values.keep === true,
  };
}

/** Runs every scenario of every source for one N, each source against a fresh emulator; returns the results and the end checks' problems. */
async function runSize(n: number, dir: string, groups: readonly SourceGroup[], database: BenchDatabase | undefined): Promise<{ results: Result[]; problems: string[] }> {
  await mkdir(dir, { recursive: true });
  const results: Result[] = [];
  const problems: string[] = [];
  const shared: Omit<RunContext, "emulator"> = { n, dir, root: ROOT, ...(database ? { mariadb: { server: database.server, loaded: false, edited: false } } : {}) };
  for (const group of groups) {
    const emulator = await startEmulatorProcess(path.join(ROOT, "dist", "src", "cli", "main.js"), `bench-${randomBytes(6).toString("hex")}`, group.latency);
    const ctx: RunContext = Object.assign(shared, { emulator });
    try {
      for (const scenario of group.scenarios) {
        const preparing = Date.now();
        await scenario.prepare(ctx);
        const preparedS = (Date.now() - preparing) / 1000;
        const prepared = preparedS > 1 ? ` (prepared in ${preparedS.toFixed(1)} s)` : "";
        const emulatorBefore = emulator.cpuSeconds();
        const heldBefore = group.latency ? (await emulator.stats()).latencyTotalMs : 0;
        const run = await measure(scenario.command(ctx), dir, `${group.source}-${scenario.role.replace(/\W+/g, "-")}`);
        const emulatorCpuS = emulator.cpuSeconds() - emulatorBefore;
        const pbxS = group.latency ? await pbxSeconds(emulator, heldBefore) : undefined;
        const problem = Number.isFinite(run.cpuS) ? await scenario.check(ctx, run) : `it left no resource usage (exited ${run.exitCode ?? run.signal})`;
        results.push({ role: scenario.role, source: scenario.source, n, run, emulatorCpuS, problem, ...(pbxS === undefined ? {} : { pbxS }) });
        const pbxFigure = pbxS === undefined ? "" : `, PBX time ${pbxS.toFixed(2)} s at concurrency ${DEFAULTS.concurrency}`;
        const figures = `${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU, ${run.peakRssMb.toFixed(0)} MB peak RSS, emulator ${emulatorCpuS.toFixed(2)} s CPU${pbxFigure}`;
        console.log(`  ${scenario.role.padEnd(20)} ${scenario.source} ${n.toLocaleString("en-US")}: ${figures}${prepared}${problem ? `\n    FAILED: ${problem}\n${tail(run.output)}` : ""}`);
      }
      const found = ctx.csv
        ? await verifyPhonebook(emulator, ctx.csv, group.appName).catch((err: unknown) => [`the end check could not run: ${err instanceof Error ? err.message : String(err)}`])
        : ["no source was generated"];
      const label = group.latency ? `${group.source} (slow PBX)` : group.source;
      problems.push(...found.map((problem) => `${label}: ${problem}`));
    } finally {
      await group.finish?.(ctx);
      await emulator.stop();
    }
  }
  return { results, problems };
}

/**
 * The PBX's own time for the batches a scenario sent, at the job's concurrency (the default: the bench's configs
 * leave it out): the holds the slow emulator set, one after another, over the requests that may wait side by side.
 */
async function pbxSeconds(emulator: EmulatorProcess, heldBefore: number): Promise<number> {
  const { latencyTotalMs } = await emulator.stats();
  return (latencyTotalMs - heldBefore) / 1000 / DEFAULTS.concurrency;
}

function tail(output: string): string {
  return output.trimEnd().split("\n").slice(-15).map((line) => `    | ${line}`).join("\n");
}

function correctnessLine(n: number, problems: readonly string[]): string {
  const how = n <= FULL_CHECK_MAX ? "every contact compared field by field, ext_info included" : `the count, and ${SAMPLE_SIZE} sampled contacts (edited and removed ones among them) looked up with get_phonebook`;
  return problems.length === 0
    ? `- ${n.toLocaleString("en-US")}: the emulator holds exactly the edited source's contacts (${how}).`
    : `- ${n.toLocaleString("en-US")}: WRONG PHONEBOOK: ${problems.join("; ")}`;
}

async function writeReport(file: string, body: string): Promise<void> {
  // A hand-written "## Notes" section of an earlier report is kept below the new figures.
  const earlier = await readFile(file, "utf8").catch(() => "");
  const notes = earlier.indexOf("\n## Notes");
  await writeFile(file, `${body}\n${notes >= 0 ? earlier.slice(notes) : ""}`);
}

/** The sync scenarios at every N; writes the report's figures and returns whether anything failed. */
async function syncBench(sizes: readonly number[], chosen: readonly SourceGroup[], slowPbxMax: number, workDir: string, out: string): Promise<boolean> {
  let groups = chosen;
  let database: BenchDatabase | undefined;
  if (groups.includes(MARIADB_GROUP)) {
    try {
      database = await benchDatabase();
    } catch (err) {
      console.error(`MariaDB could not be started, so the mariadb rows are left out: ${err instanceof Error ? err.message : String(err)}`);
      groups = groups.filter((group) => group !== MARIADB_GROUP);
    }
  }
  console.log(`phonebook-sync benchmark: ${sizes.map((n) => n.toLocaleString("en-US")).join(" and ")} contacts; ${machineLine()}; load ${loadLine()}`);
  const started = Date.now();
  const loadBefore = loadLine();
  const revision = revisionLine(ROOT);
  const results: Result[] = [];
  const correctness: string[] = [];
  let failed = false;
  for (const n of sizes) {
    console.log(`\nN = ${n.toLocaleString("en-US")}`);
    const atN = groups.filter((group) => !group.latency || n <= slowPbxMax);
    const size = await runSize(n, path.join(workDir, `n-${n}`), atN, database).catch(async (err: unknown) => {
      await database?.stop();
      throw err;
    });
    results.push(...size.results);
    correctness.push(correctnessLine(n, size.problems));
    failed ||= size.problems.length > 0 || size.results.some((result) => result.problem !== null);
  }
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const report = `# Benchmarks

\`npm run bench\` (bench/run.ts; \`-- --n 100000\` for one size). Each scenario runs in its own process, the PBX
emulator (in memory) in another; wall time is measured from outside, CPU time (user + system) and peak RSS are
the measured process's own (\`process.resourceUsage()\` at exit). Sources come from bench/generate.ts (names and
companies with quotes and commas, 2-3 numbers per contact in national and international forms of IT, DE, FR, GB,
US and CH, an e-mail, three ext_info facts), mapped with bench/mapping.yaml. "1% changed" is the same source with
1% of rows edited and 0.5% removed. "emulator CPU s" is what the emulator spent meanwhile (from /proc): on a
small machine it competes with the worker for the same cores. The mariadb rows read the same contacts from a
MariaDB table (bench/source/mariadb.ts, loaded before the clock starts, edited in place for "1% changed") through
the SQL connector; their parse-only row is one streamed SELECT of the table. The rest rows read them as nested JSON
(bench/rest-pages.ts, written before the clock starts) from a local API in its own process, in pages of 1,000
with cursor paging, through the REST connector, mapped by field paths (bench/rest-mapping.yaml); their
parse-only row fetches and parses every page with undici. Targets are those of issue 14, stated for 1,000,000
contacts: no-change and 1% changed over their source's parse-only floor in wall time (CSV 1.5 and 2.0, MariaDB and
REST 2.0 and 2.5), the CSV first sync's CPU over the naive script's CPU (3.0), peak RSS of any sync (180 MB).
"first sync, slow PBX" (issue 14) syncs the edited CSV with a fresh store into a second emulator that answers each
batch ${SLOW_PBX.baseMs} ms + ${SLOW_PBX.perContactMs} ms per contact after it arrived (\`--latency\`, a timer); its ratio divides the wall
time by the PBX's own time: those holds summed over the batches sent, over the job's concurrency (${DEFAULTS.concurrency}), so 1.00 means
the PBX alone bounds the sync.

Run of ${date} UTC, ${revision}, on ${machineLine()}; ${((Date.now() - started) / 60_000).toFixed(1)} minutes in all;
load average (1 min) ${loadBefore} before and ${loadLine()} after (above 0 means other work shared the CPUs).

${resultsTable(results)}

${ratiosTable(results)}

Correctness, after the last scenario:
${correctness.join("\n")}
`;
  await database?.stop();
  console.log(`\n${resultsTable(results)}\n\n${ratiosTable(results)}\n\n${correctness.join("\n")}`);
  await writeReport(out, report);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
  return failed;
}

/** The viewer's store queries: printed, and written into their own section of the report file. */
async function viewerBench(rows: number, dir: string, out: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  console.log(`\nReport viewer queries: one run of ${rows.toLocaleString("en-US")} report rows; ${machineLine()}; load ${loadLine()}`);
  const loadBefore = loadLine();
  const bench = await runViewerBench(dir, rows, (line) => console.log(line));
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const runLine = `Run of ${date} UTC, ${revisionLine(ROOT)}, on ${machineLine()}; ${bench.minutes.toFixed(1)} minutes; load average (1 min) ${loadBefore} before and ${loadLine()} after.`;
  console.log(`\n${viewerWritesTable(bench)}\n\n${viewerQueriesTable(bench)}`);
  await writeMarkedSection(out, "## Report viewer queries", "viewer-bench", viewerSection(bench, runLine));
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
}

/** The command line's start-up: printed, and written into its own section of the report file; whether a command failed. */
async function startupBench(cli: string, dir: string, out: string): Promise<boolean> {
  console.log(`\nStart-up of ${path.relative(process.cwd(), cli) || cli}; ${machineLine()}; load ${loadLine()}`);
  const loadBefore = loadLine();
  const bench = await runStartupBench(cli, ROOT, dir, (line) => console.log(line));
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const runLine = `Run of ${date} UTC, ${revisionLine(ROOT)}, on ${machineLine()}; load average (1 min) ${loadBefore} before and ${loadLine()} after.`;
  const section = startupSection(bench, runLine);
  console.log(`\n${section.slice(section.indexOf("| command"))}`);
  await writeMarkedSection(out, "## Start-up", "startup-bench", section);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
  return bench.rows.some((row) => row.problem !== null);
}

async function main(): Promise<number> {
  const { sizes, groups, viewerRows, startupCli, slowPbxMax, out, keep } = options();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "pbsync-bench-"));
  let failed = groups.length > 0 && (await syncBench(sizes, groups, slowPbxMax, workDir, out));
  if (viewerRows !== null) await viewerBench(viewerRows, path.join(workDir, "viewer"), out);
  if (startupCli !== null) failed = (await startupBench(startupCli, path.join(workDir, "startup"), out)) || failed;
  if (keep || failed) console.log(`working directory kept: ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
  if (failed) console.error("\nBENCHMARK FAILED: a scenario failed or the PBX does not hold the expected contacts (see above)");
  return failed ? 1 : 0;
}

process.exitCode = await main();
