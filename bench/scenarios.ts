// The measured scenarios, one row of the table each. Another source (a SQL table, a REST API) adds its own
// baselines and the same three sync scenarios with syncScenarios(), pointing at a config for that source.
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Latency } from "../src/emulator/latency.js";
import { openStore, type RunCounts, type RunRow } from "../src/store/index.js";
import type { DbServer } from "../test/helpers/db-servers.js";
import type { EmulatorProcess } from "./emulator.js";
import { generateSources, type GeneratedSources } from "./generate.js";
import type { Command, Measurement } from "./measure.js";

export const APP_NAME = "BENCH";

export interface RunContext {
  n: number;
  /** This N's working directory: sources, configs, the store, logs. */
  dir: string;
  /** The repository (bench/mapping.yaml) and its build (dist/). */
  root: string;
  emulator: EmulatorProcess;
  /** Filled by the first CSV scenario's prepare(). */
  csv?: GeneratedSources;
  /** The MariaDB server of the SQL rows, when they run; `loaded`/`edited` say what the table holds now. */
  mariadb?: { server: DbServer; loaded: boolean; edited: boolean };
}

export type ScenarioRole = "parse-only" | "naive" | "first sync" | "no-change sync" | "1% changed" | "first sync, slow PBX";

export interface Scenario {
  role: ScenarioRole;
  /** The kind of source: csv, mariadb, rest. */
  source: string;
  /** Work done before the clock starts. */
  prepare(ctx: RunContext): Promise<void>;
  command(ctx: RunContext): Command;
  /** What is wrong with the run's result, or null when it did what it should. */
  check(ctx: RunContext, run: Measurement): Promise<string | null>;
}

export function cli(ctx: RunContext): string {
  return path.join(ctx.root, "dist", "src", "cli", "main.js");
}

export function csvOf(ctx: RunContext): GeneratedSources {
  if (!ctx.csv) throw new Error("the CSV source was not generated");
  return ctx.csv;
}

export async function prepareCsv(ctx: RunContext): Promise<void> {
  ctx.csv ??= await generateSources(ctx.dir, ctx.n);
}

function exitedZero(run: Measurement): string | null {
  return run.exitCode === 0 ? null : `exited ${run.exitCode ?? run.signal}`;
}

export function expectRows(ctx: RunContext, run: Measurement): string | null {
  return exitedZero(run) ?? (run.output.includes(`rows ${ctx.n}\n`) ? null : `expected "rows ${ctx.n}" in the output`);
}

/** A baseline script of bench/scenarios/ run over the whole CSV. */
function csvBaseline(role: "parse-only" | "naive"): Scenario {
  return {
    role,
    source: "csv",
    prepare: prepareCsv,
    command: (ctx) => ({ args: [path.join(ctx.root, "dist", "bench", "scenarios", `${role}.js`), csvOf(ctx).source] }),
    check: async (ctx, run) => expectRows(ctx, run),
  };
}

/** A config syncing one CSV file into the context's emulator, recorded in `store` (in ctx.dir); concurrency is the default. */
function csvConfig(ctx: RunContext, file: string, store: string): string {
  const mapping = path.join(ctx.root, "bench", "mapping.yaml");
  return `pbx:
  url: ${JSON.stringify(ctx.emulator.url)}
  token: \${VOISPEED_TOKEN}
store: { client: sqlite, filename: ./${store} }
jobs:
  - name: bench
    appName: ${APP_NAME}
    source: { type: csv, path: ${JSON.stringify(file)} }
    mapping: ${JSON.stringify(mapping)}
`;
}

async function writeCsvConfigs(ctx: RunContext): Promise<void> {
  await prepareCsv(ctx);
  const sources = csvOf(ctx);
  await writeFile(path.join(ctx.dir, "csv-whole.yaml"), csvConfig(ctx, sources.source, "store.sqlite"));
  await writeFile(path.join(ctx.dir, "csv-edited.yaml"), csvConfig(ctx, sources.edited, "store.sqlite"));
}

async function latestRun(ctx: RunContext, storeFile: string): Promise<RunRow | undefined> {
  const store = await openStore({ client: "sqlite", filename: path.join(ctx.dir, storeFile) }, { mustExist: true });
  try {
    return await store.latestRun();
  } finally {
    await store.close();
  }
}

/** Counts that must match exactly; null when every one does. */
function countProblems(run: RunRow | undefined, expected: Partial<RunCounts>): string | null {
  if (!run) return "no run was recorded";
  const wrong = (Object.keys(expected) as (keyof RunCounts)[]).filter((key) => run.counts[key] !== expected[key]);
  if (run.status !== "success" || wrong.length > 0) {
    return `run ${run.id} ended ${run.status}${run.error ? ` (${run.error})` : ""}; ${wrong.map((key) => `${key} ${run.counts[key]}, expected ${expected[key]}`).join("; ")}`;
  }
  return null;
}

/** How many rows a source has and how many its edited variant edits and removes. */
export interface SourceShape {
  rows: number;
  editedRows: number;
  removedRows: number;
}

export interface SyncSource {
  source: string;
  /** Makes the source what the scenario reads (the whole source, or its edited variant) and writes its config. */
  prepare(ctx: RunContext, role: ScenarioRole): Promise<void>;
  configs: { whole: string; edited: string };
  /** The SQLite store the configs name (in ctx.dir). */
  store: string;
  shape(ctx: RunContext): SourceShape;
}

/** `phonebook-sync sync` three times: into the empty PBX, again unchanged, then the edited source. */
export function syncScenarios({ source, prepare, configs, store, shape }: SyncSource): Scenario[] {
  const sync = (config: string) => (ctx: RunContext): Command => ({
    args: [cli(ctx), "sync", "--config", path.join(ctx.dir, config), "--plain"],
    env: { VOISPEED_TOKEN: ctx.emulator.token },
  });
  return [
    {
      role: "first sync",
      source,
      prepare: (ctx) => prepare(ctx, "first sync"),
      command: sync(configs.whole),
      check: async (ctx, run) => {
        const { rows } = shape(ctx);
        return exitedZero(run) ?? countProblems(await latestRun(ctx, store), { read: rows, inserted: rows, updated: 0, errors: 0, invalid: 0 });
      },
    },
    {
      role: "no-change sync",
      source,
      prepare: (ctx) => prepare(ctx, "no-change sync"),
      command: sync(configs.whole),
      check: async (ctx, run) => {
        const { rows } = shape(ctx);
        return exitedZero(run) ?? countProblems(await latestRun(ctx, store), { read: rows, unchanged: rows, inserted: 0, updated: 0, deleted: 0 });
      },
    },
    {
      role: "1% changed",
      source,
      prepare: (ctx) => prepare(ctx, "1% changed"),
      command: sync(configs.edited),
      check: async (ctx, run) => {
        const { rows, editedRows, removedRows } = shape(ctx);
        const kept = rows - editedRows - removedRows;
        return exitedZero(run) ?? countProblems(await latestRun(ctx, store), { read: rows - removedRows, unchanged: kept, inserted: 0, updated: editedRows, deleted: removedRows });
      },
    },
  ];
}

/** The rows of one source, in the order they run (the sync scenarios build on each other), and its app name. */
export interface SourceGroup {
  source: string;
  appName: string;
  scenarios: readonly Scenario[];
  /** Stops what the group's scenarios started (an API serving the source), after its last scenario and the end check. */
  finish?(ctx: RunContext): Promise<void>;
  /** The group's emulator is a slow PBX (`--latency`); its rows are compared with the PBX's own time. */
  latency?: Latency;
}

export const CSV_GROUP: SourceGroup = {
  source: "csv",
  appName: APP_NAME,
  scenarios: [
    csvBaseline("parse-only"),
    csvBaseline("naive"),
    ...syncScenarios({ source: "csv", prepare: writeCsvConfigs, configs: { whole: "csv-whole.yaml", edited: "csv-edited.yaml" }, store: "store.sqlite", shape: csvOf }),
  ],
};

/** Issue 14's slow PBX: each batch answered 100 ms + 0.5 ms per contact after it arrived. */
export const SLOW_PBX: Latency = { baseMs: 100, perContactMs: 0.5 };
const SLOW_STORE = "store-slow.sqlite";

/**
 * A first sync into an empty slow PBX with a fresh store. It reads the edited source (N less its removed rows), so
 * that the group's end check, the same as the other CSV rows', finds the emulator holding exactly that source.
 */
const slowPbxFirstSync: Scenario = {
  role: "first sync, slow PBX",
  source: "csv",
  prepare: async (ctx) => {
    await prepareCsv(ctx);
    for (const suffix of ["", "-wal", "-shm"]) await rm(path.join(ctx.dir, `${SLOW_STORE}${suffix}`), { force: true });
    await writeFile(path.join(ctx.dir, "csv-slow.yaml"), csvConfig(ctx, csvOf(ctx).edited, SLOW_STORE));
  },
  command: (ctx) => ({ args: [cli(ctx), "sync", "--config", path.join(ctx.dir, "csv-slow.yaml"), "--plain"], env: { VOISPEED_TOKEN: ctx.emulator.token } }),
  check: async (ctx, run) => {
    const { rows, removedRows } = csvOf(ctx);
    const kept = rows - removedRows;
    return exitedZero(run) ?? countProblems(await latestRun(ctx, SLOW_STORE), { read: kept, inserted: kept, updated: 0, errors: 0, invalid: 0 });
  },
};

/** The CSV source's first sync again, against an emulator of its own that answers as slowly as SLOW_PBX. */
export const CSV_SLOW_PBX_GROUP: SourceGroup = {
  source: "csv",
  appName: APP_NAME,
  latency: SLOW_PBX,
  scenarios: [slowPbxFirstSync],
};
