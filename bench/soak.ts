// `npm run soak`: the daemon in-process on a one-second schedule for N runs against the in-process emulator, its CSV
// edited and the PBX failing now and then; prints whether the heap, the active handles or the signal listeners grow.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { parseConfig } from "../src/config/index.js";
import { startEmulator, type Fault, type RunningEmulator } from "../src/emulator/index.js";
import { createLogger } from "../src/logger.js";
import { Daemon } from "../src/scheduler/daemon.js";
import { openStore, type RunRow } from "../src/store/index.js";
import { loadLine, machineLine, revisionLine } from "./report.js";
import { SoakLog } from "./soak-log.js";
import { SoakSource, type SourceEdit } from "./soak-source.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const USAGE = `usage: npm run soak -- [--runs 300] [--contacts 2000] [--snapshots] [--keep]
  --runs       scheduled runs to let finish, one a second (default 300, at least 50); the heap is compared
               between run 20 (after the warm-up) and the last run
  --contacts   contacts in the CSV source (default 2000); every 10 runs 1% are renamed, one removed, one added
  --snapshots  write heap snapshots after the warm-up, half-way and at the end (run-N.heapsnapshot, in the
               kept working directory; diff the last two in Chrome DevTools' Memory tab, "Comparison")
  --keep       keep the working directory (CSV, config, SQLite store)
Exit code 1 when the heap grew more than 10% or the soak did not finish or ended with the wrong phonebook.`;

const APP_NAME = "SOAK";
const WARM_UP_RUNS = 20;
const EDIT_EVERY = 10;
const FAULT_EVERY = 25;
const RENAMED_SHARE = 0.01;
const MAX_HEAP_GROWTH_PCT = 10;
/** Retry attempts per request in the soak's config: a fault taken by every attempt fails the run. */
const ATTEMPTS = 2;
const PBX_TIMEOUT_MS = 2_000;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/** The faults, in turn: two fail the run (a 500 on every attempt, a delay past the timeout), one only slows it. */
const FAULTS: ReadonlyArray<{ label: string; fault: Fault; failsRun: boolean }> = [
  { label: "HTTP 500 on every attempt", fault: { status: 500, times: ATTEMPTS }, failsRun: true },
  { label: "1.5 s delay", fault: { delayMs: 1_500 }, failsRun: false },
  { label: `2.5 s delay past the ${PBX_TIMEOUT_MS / 1000} s timeout on every attempt`, fault: { delayMs: 2_500, times: ATTEMPTS }, failsRun: true },
];

interface Options {
  runs: number;
  contacts: number;
  snapshots: boolean;
  keep: boolean;
}

/** The process at one moment, measured after two full collections. */
interface Sample {
  heapMb: number;
  rssMb: number;
  resources: string[];
  signalListeners: number;
  processListeners: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: { runs: { type: "string" }, contacts: { type: "string" }, snapshots: { type: "boolean" }, keep: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (name: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    const value = text === undefined ? fallback : Number(text.replace(/_/g, ""));
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    console.error(`invalid --${name} ${text}: use a whole number ${min}..${max}\n${USAGE}`);
    return process.exit(2);
  };
  return {
    runs: whole("runs", values.runs, 300, 50, 100_000),
    contacts: whole("contacts", values.contacts, 2_000, 100, 1_000_000),
    snapshots: values.snapshots === true,
    keep: values.keep === true || values.snapshots === true,
  };
}

function collect(): void {
  if (!global.gc) throw new Error("global.gc is missing: run with node --expose-gc (npm run soak does)");
  global.gc();
  global.gc();
}

function sample(): Sample {
  collect();
  const memory = process.memoryUsage();
  return {
    heapMb: memory.heapUsed / 2 ** 20,
    rssMb: memory.rss / 2 ** 20,
    resources: process.getActiveResourcesInfo(),
    signalListeners: SIGNALS.reduce((sum, signal) => sum + process.listenerCount(signal), 0),
    processListeners: process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0),
  };
}

/** "Timeout 2, TCPServerWrap 1": what keeps the event loop alive, by kind. */
function resourceKinds(resources: readonly string[]): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const kind of resources) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  return kinds;
}

function describeResources(resources: readonly string[]): string {
  return [...resourceKinds(resources)].map(([kind, n]) => `${kind} ${n}`).join(", ") || "none";
}

/** Kinds of which `after` holds more than `before`, e.g. "Timeout +3". */
function resourceGrowth(before: readonly string[], after: readonly string[]): string[] {
  const was = resourceKinds(before);
  return [...resourceKinds(after)].filter(([kind, n]) => n > (was.get(kind) ?? 0)).map(([kind, n]) => `${kind} +${n - (was.get(kind) ?? 0)}`);
}

function configText(emulator: RunningEmulator, token: string, csv: string): string {
  return `pbx: { url: ${JSON.stringify(emulator.url)}, token: ${JSON.stringify(token)}, timeoutMs: ${PBX_TIMEOUT_MS} }
store: { client: sqlite, filename: ./store.sqlite }
defaults: { retry: { attempts: ${ATTEMPTS}, minDelayMs: 10, maxDelayMs: 20 } }
daemon: { shutdownTimeoutMs: 10000 }
jobs:
  - name: soak
    appName: ${APP_NAME}
    source: { type: csv, path: ${JSON.stringify(csv)} }
    mapping: ${JSON.stringify(path.join(ROOT, "bench", "mapping.yaml"))}
    schedule: "* * * * * *"
`;
}

/** Problems with the PBX's contacts of the soak: they must be exactly the source's, with the last renames. */
function phonebookProblems(emulator: RunningEmulator, source: SoakSource, lastEdit: SourceEdit | undefined): string[] {
  const held = new Map(emulator.phonebook.all().filter((c) => c.uc_app_name === APP_NAME).map((c) => [c.uc_external_id ?? "", c]));
  const expected = source.ids();
  const missing = expected.filter((id) => !held.has(id));
  const extra = [...held.keys()].filter((id) => source.firstNameOf(id) === undefined);
  const stale = (lastEdit?.renamed ?? []).filter((id) => held.has(id) && held.get(id)?.name !== source.firstNameOf(id));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`${missing.length} source contacts missing from the PBX (${missing.slice(0, 5).join(", ")})`);
  if (extra.length > 0) problems.push(`${extra.length} contacts on the PBX no longer in the source (${extra.slice(0, 5).join(", ")})`);
  if (stale.length > 0) problems.push(`${stale.length} renamed contacts with their old name on the PBX (${stale.slice(0, 5).join(", ")})`);
  return problems;
}

const mb = (value: number): string => value.toFixed(1);
const pct = (from: number, to: number): string => `${to >= from ? "+" : ""}${(((to - from) / from) * 100).toFixed(1)}%`;

function measuresTable(start: Sample, warm: Sample, end: Sample, closed: Sample, lastRun: number): string {
  const row = (label: string, pick: (s: Sample) => string, change: string): string => `| ${label} | ${pick(start)} | ${pick(warm)} | ${pick(end)} | ${pick(closed)} | ${change} |`;
  return [
    `| measure | start | warm-up (run ${WARM_UP_RUNS}) | end (run ${lastRun}) | after shutdown | warm-up → end |`,
    "|---|--:|--:|--:|--:|--:|",
    row("heap used MB", (s) => mb(s.heapMb), pct(warm.heapMb, end.heapMb)),
    row("RSS MB", (s) => mb(s.rssMb), pct(warm.rssMb, end.rssMb)),
    row("active handles", (s) => String(s.resources.length), `${end.resources.length - warm.resources.length >= 0 ? "+" : ""}${end.resources.length - warm.resources.length}`),
    row("process signal listeners", (s) => String(s.signalListeners), `${end.signalListeners - warm.signalListeners}`),
    row("process listeners (all events)", (s) => String(s.processListeners), `${end.processListeners - warm.processListeners}`),
  ].join("\n");
}

interface RunTotals {
  statuses: Map<string, number>;
  inserted: number;
  updated: number;
  deleted: number;
}

function totalsOf(rows: readonly RunRow[]): RunTotals {
  const totals: RunTotals = { statuses: new Map(), inserted: 0, updated: 0, deleted: 0 };
  for (const run of rows) {
    totals.statuses.set(run.status, (totals.statuses.get(run.status) ?? 0) + 1);
    totals.inserted += run.counts.inserted;
    totals.updated += run.counts.updated;
    totals.deleted += run.counts.deleted;
  }
  return totals;
}

function runsTable(totals: RunTotals, expected: { failed: number; inserted: number; updated: number; deleted: number }, skipped: number): string {
  const lines = ["| runs and contacts (from the store) | count | expected |", "|---|--:|--:|"];
  for (const status of ["success", "partial", "failed", "aborted", "running"]) {
    const n = totals.statuses.get(status) ?? 0;
    if (n > 0 || status === "success" || status === "failed") lines.push(`| runs ${status} | ${n} | ${status === "failed" ? `${expected.failed} (faults)` : ""} |`);
  }
  lines.push(`| slots skipped: the previous run still going | ${skipped} | |`);
  lines.push(`| contacts inserted | ${totals.inserted} | ${expected.inserted} |`);
  lines.push(`| contacts updated | ${totals.updated} | ${expected.updated} |`);
  lines.push(`| contacts deleted | ${totals.deleted} | ${expected.deleted} |`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const opts = options();
  if (!global.gc) {
    console.error("global.gc is missing: run with node --expose-gc (npm run soak does)");
    return 2;
  }
  collect();
  const started = Date.now();
  const loadBefore = loadLine();
  const start = sample();
  const dir = await mkdtemp(path.join(os.tmpdir(), "pbsync-soak-"));
  const token = `soak-${Date.now().toString(36)}`;
  const source = new SoakSource(path.join(dir, "contacts.csv"), opts.contacts);
  await source.write();
  const log = new SoakLog();
  const emulator = await startEmulator({ port: 0, token });
  const configFile = path.join(dir, "config.yaml");
  const text = configText(emulator, token, source.file);
  await writeFile(configFile, text);
  console.log(`phonebook-sync daemon soak: ${opts.runs} runs of a ${opts.contacts}-contact CSV, one a second; ${machineLine()}; load ${loadBefore}; in ${dir}`);
  const daemon = await Daemon.start(parseConfig(text, configFile), createLogger({ destination: log.stream, level: "info" }));

  const deadline = Date.now() + opts.runs * 2_000 + 60_000;
  const heapSeries: string[] = [];
  const expected = { failed: 0, inserted: opts.contacts, updated: 0, deleted: 0 };
  let warm: Sample | undefined;
  let end: Sample | undefined;
  let lastEdit: SourceEdit | undefined;
  let stalled: string | null = null;
  let faults = 0;
  for (let run = 1; run <= opts.runs; run++) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()))));
    const outcome = await Promise.race([log.waitFor(run), late]);
    clearTimeout(timer);
    if (outcome === "late") {
      stalled = `only ${log.finished} of ${opts.runs} runs finished in ${((Date.now() - started) / 1000).toFixed(0)} s`;
      break;
    }
    // The fault first, before any await: the next run's first request (the PBX check) must be the one to take it.
    if (run < opts.runs) {
      if (run % FAULT_EVERY === 0) {
        const planned = FAULTS[(run / FAULT_EVERY - 1) % FAULTS.length];
        if (planned) {
          emulator.faults.add(planned.fault);
          faults += 1;
          if (planned.failsRun) expected.failed += 1;
        }
      }
      if (run % EDIT_EVERY === 0) {
        lastEdit = await source.edit(RENAMED_SHARE);
        expected.inserted += 1;
        expected.deleted += 1;
        expected.updated += lastEdit.renamed.length;
      }
    }
    // Measured a moment after a run's end, before the next second's run starts: the same point of the cycle each time.
    const half = Math.round(opts.runs / 2);
    const measured = run === WARM_UP_RUNS || run === opts.runs || run === half || run % 50 === 0;
    if (measured) {
      await sleep(50);
      const now = sample();
      heapSeries.push(`${run}: ${mb(now.heapMb)}`);
      if (run === WARM_UP_RUNS) warm = now;
      if (run === opts.runs) end = now;
      // Half-way and end: a diff of the two leaves out the warm-up (compiled code, caches filling once).
      if (opts.snapshots && (run === WARM_UP_RUNS || run === half || run === opts.runs)) v8.writeHeapSnapshot(path.join(dir, `run-${run}.heapsnapshot`));
    }
    if (run === opts.runs) break;
    if (run % 25 === 0) {
      const statuses = [...log.statuses].map(([status, n]) => `${n} ${status}`).join(", ");
      console.log(`  run ${run}/${opts.runs} after ${((Date.now() - started) / 1000).toFixed(0)} s: ${statuses}; ${log.skippedSlots} slots skipped; heap ${heapSeries.at(-1) ?? "-"} MB`);
    }
  }

  await daemon.shutdown("soak finished");
  const problems = phonebookProblems(emulator, source, lastEdit);
  await emulator.close();
  await sleep(500); // sockets closed by either side leave the handle list a moment later
  const closed = sample();
  const store = await openStore({ client: "sqlite", filename: path.join(dir, "store.sqlite") }, { baseDir: dir });
  const totals = totalsOf(await store.listRuns({ job: "soak" }).finally(() => store.close()));

  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  console.log(`\nSoak of ${date} UTC, ${revisionLine(ROOT)}, on ${machineLine()}; ${minutes} minutes; load ${loadBefore} before, ${loadLine()} after.`);
  console.log(`${opts.runs} runs of a ${opts.contacts}-contact CSV on "* * * * * *"; ${source.edits} source edits, ${faults} faults.\n`);
  if (warm && end) console.log(`${measuresTable(start, warm, end, closed, opts.runs)}\n`);
  console.log(`${runsTable(totals, expected, log.skippedSlots)}\n`);
  console.log(`Heap used after GC (run: MB): ${heapSeries.join(", ")}`);
  console.log(`Active handles: start ${describeResources(start.resources)}; end ${describeResources(end?.resources ?? [])}; after shutdown ${describeResources(closed.resources)}`);
  const tally = [...log.tally].sort((a, b) => b[1] - a[1]).map(([line, n]) => `${n}× ${line}`);
  console.log(`Warning and error log lines: ${tally.join("; ") || "none"}${log.strayLines > 0 ? `; ${log.strayLines} lines not JSON` : ""}`);

  const flags: string[] = [];
  if (warm && end) {
    const grown = resourceGrowth(warm.resources, end.resources);
    if (grown.length > 0) flags.push(`FLAG: active handles grew from run ${WARM_UP_RUNS} to run ${opts.runs}: ${grown.join(", ")}`);
    if (end.signalListeners > warm.signalListeners || end.processListeners > warm.processListeners) flags.push("FLAG: process listeners grew while the daemon ran");
  }
  const leftOver = resourceGrowth(start.resources, closed.resources);
  if (leftOver.length > 0) flags.push(`FLAG: handles left after shutdown that were not there at the start: ${leftOver.join(", ")}`);
  if (closed.signalListeners > start.signalListeners) flags.push(`FLAG: ${closed.signalListeners - start.signalListeners} signal listeners left after shutdown`);
  for (const [what, got, want] of [["inserted", totals.inserted, expected.inserted], ["updated", totals.updated, expected.updated], ["deleted", totals.deleted, expected.deleted]] as const) {
    if (got !== want) flags.push(`FLAG: ${got} contacts ${what} over all runs, ${want} expected`);
  }
  if ((totals.statuses.get("failed") ?? 0) !== expected.failed) flags.push(`FLAG: ${totals.statuses.get("failed") ?? 0} failed runs, ${expected.failed} faults meant to fail one`);
  for (const flag of flags) console.log(flag);

  let failed = false;
  if (stalled !== null || !warm || !end) {
    console.log(`FAIL: the soak did not finish: ${stalled ?? "no measurement"}\nlast log lines:\n${log.lastLines()}`);
    failed = true;
  } else {
    const growth = ((end.heapMb - warm.heapMb) / warm.heapMb) * 100;
    const verdict = growth <= MAX_HEAP_GROWTH_PCT ? "PASS" : "FAIL";
    console.log(`${verdict}: heap used grew ${growth.toFixed(1)}% from run ${WARM_UP_RUNS} to run ${opts.runs} (${mb(warm.heapMb)} → ${mb(end.heapMb)} MB; at most ${MAX_HEAP_GROWTH_PCT}%)`);
    failed = verdict === "FAIL";
  }
  if (problems.length > 0) {
    console.log(`FAIL: wrong phonebook at the end: ${problems.join("; ")}`);
    failed = true;
  }
  if (opts.keep || failed) console.log(`working directory kept: ${dir}`);
  else await rm(dir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

process.exitCode = await main();
