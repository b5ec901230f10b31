// `phonebook-sync daemon` as a real child process for end-to-end tests: its JSON log lines, waits on them, its stop,
// and the files of a daemon set-up (config, CSV sources, mapping, store), every child killed after each test.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { afterEach } from "vitest";
import { openStore, type RunRow, type StoreOptions } from "../../src/store/index.js";
import { CLI, ROOT } from "./cli.js";
import { HEADER, MAPPING, rows } from "./sync-env.js";
import { tempDir } from "./temp.js";
import { waitFor } from "./wait.js";

/** One pino line of the daemon: level (number), time, msg, and the fields of the line and its child logger. */
export interface LogRecord {
  level: number;
  time: string;
  msg: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WaitOptions {
  /** Only records from this index on (see `mark()`); default 0, the whole log. */
  from?: number;
}

export interface DaemonProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Parsed lines, in order. */
  readonly records: readonly LogRecord[];
  /** Every line of stderr as written, including any that is not JSON. */
  readonly lines: readonly string[];
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** The index the next record will get: pass it as `from` to wait only for what comes later. */
  mark(): number;
  /** The first record (from `from`) that matches; rejects with the log so far after `timeoutMs` or when the daemon exits. */
  waitForLog(predicate: (record: LogRecord) => boolean, timeoutMs: number, options?: WaitOptions): Promise<LogRecord>;
  /** The base URL of its /healthz and /metrics, from its "daemon http listening" line. */
  httpUrl(timeoutMs?: number): Promise<string>;
  /** Sends the signal and waits for the exit; SIGKILL and a rejection when it takes longer than `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /** The log so far, for failure messages. */
  logText(): string;
}

const live = new Set<DaemonProcess>();

// A test that failed half-way leaves its daemons running: none may outlive it.
afterEach(async () => {
  const left = [...live];
  live.clear();
  await Promise.all(
    left.map((daemon) => {
      daemon.child.kill("SIGKILL");
      return daemon.exited;
    }),
  );
});
process.once("exit", () => {
  for (const daemon of live) daemon.child.kill("SIGKILL");
});

/** Starts `phonebook-sync daemon --config FILE --no-pretty --log-level debug` from the repository root. */
export function startDaemon(configFile: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): DaemonProcess {
  const child = spawn(process.execPath, [CLI, "daemon", "--config", configFile, "--no-pretty", "--log-level", "debug"], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`cannot start the daemon (${process.execPath} ${CLI})`);
  const records: LogRecord[] = [];
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let partial = "";
  let stdout = "";

  const take = (line: string): void => {
    lines.push(line);
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed === "object" && parsed !== null && typeof (parsed as LogRecord).msg === "string") records.push(parsed as LogRecord);
    } catch {
      // Not JSON (a crash's stack trace, a message printed before the logger existed): kept in `lines` only.
    }
  };
  child.stderr?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) if (line !== "") take(line);
    for (const listener of [...listeners]) listener();
  });
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));

  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.once("close", (code, signal) => {
      if (partial !== "") take(partial);
      partial = "";
      exit = { code, signal };
      live.delete(daemon);
      resolve(exit);
      for (const listener of [...listeners]) listener();
    });
  });

  const logText = (): string => [...lines, ...(stdout ? [`[stdout] ${stdout}`] : [])].join("\n");

  const daemon: DaemonProcess = {
    pid: child.pid,
    child,
    records,
    lines,
    exited,
    mark: () => records.length,
    logText,
    waitForLog(predicate, timeoutMs, { from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = records.slice(from).find(predicate);
          if (found) return finish(() => resolve(found));
          if (exit) finish(() => reject(new Error(`the daemon exited (${exit?.code ?? exit?.signal}) before the awaited log line:\n${logText()}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no matching log line after ${timeoutMs} ms:\n${logText()}`))), timeoutMs);
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async httpUrl(timeoutMs = 15_000) {
      const record = await daemon.waitForLog((r) => r.msg === "daemon http listening", timeoutMs);
      return String(record["url"]);
    },
    async stop(signal = "SIGTERM", timeoutMs = 20_000) {
      if (!exit) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
      const result = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (result !== "late") return result;
      child.kill("SIGKILL");
      await exited;
      throw new Error(`the daemon did not exit within ${timeoutMs} ms of ${signal}:\n${logText()}`);
    },
  };
  live.add(daemon);
  return daemon;
}

/** A log record of the given message (and fields, compared with ===). */
export function logOf(msg: string | RegExp, fields: Record<string, unknown> = {}): (record: LogRecord) => boolean {
  return (record) =>
    (typeof msg === "string" ? record.msg === msg : msg.test(record.msg)) && Object.entries(fields).every(([key, value]) => record[key] === value);
}

/** Polls `check` until it returns a value other than undefined; rejects naming `what` after `timeoutMs` (see waitFor). */
export function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  return waitFor(check, { timeoutMs, what, everyMs });
}

/** A job of a daemon set-up: its CSV (`rows` standard rows, see sync-env) and any option of the job's schema. */
export interface DaemonJob {
  name: string;
  appName: string;
  rows?: number;
  [option: string]: unknown;
}

export interface DaemonSetupOptions {
  pbxUrl: string;
  token: string;
  jobs: DaemonJob[];
  /** Default: SQLite at ./store.sqlite in the set-up's directory. */
  store?: StoreOptions;
  /** Merged over retry { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } and schedule every 2 s. */
  defaults?: Record<string, unknown>;
  /** Default { http: { port: 0 } }. */
  daemon?: Record<string, unknown>;
  notifications?: Record<string, unknown>;
}

export interface DaemonSetup {
  dir: string;
  configFile: string;
  store: StoreOptions;
  /** The configuration as last written. */
  config: Record<string, unknown>;
  /** Writes the configuration (an object as YAML, or text as it is). */
  writeConfig(config: Record<string, unknown> | string): Promise<void>;
  /** Writes a job's CSV source: the header and these lines. */
  writeSource(job: string, lines: readonly string[]): Promise<void>;
  /** The job's runs in the store, newest first (the store opened and closed for it). */
  runs(job: string): Promise<RunRow[]>;
}

export const EVERY_2S = "*/2 * * * * *";

/** A temp dir with one CSV per job, the standard mapping and the configuration of a daemon. */
export async function daemonSetup(options: DaemonSetupOptions): Promise<DaemonSetup> {
  const dir = await tempDir("pbsync-daemon-");
  await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
  const store: StoreOptions = options.store ?? { client: "sqlite", filename: path.join(dir, "store.sqlite") };
  const setup: DaemonSetup = {
    dir,
    configFile: path.join(dir, "config.yaml"),
    store,
    config: {},
    async writeConfig(config) {
      if (typeof config !== "string") setup.config = config;
      await writeFile(setup.configFile, typeof config === "string" ? config : stringify(config));
    },
    async writeSource(job, lines) {
      await writeFile(path.join(dir, `${job}.csv`), `${[HEADER, ...lines].join("\n")}\n`);
    },
    async runs(job) {
      const opened = await openStore(store, { baseDir: dir });
      try {
        return await opened.listRuns({ job });
      } finally {
        await opened.close();
      }
    },
  };
  for (const job of options.jobs) await setup.writeSource(job.name, rows(job.rows ?? 3));
  await setup.writeConfig({
    pbx: { url: options.pbxUrl, token: options.token },
    store,
    defaults: { retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 }, schedule: EVERY_2S, ...options.defaults },
    daemon: options.daemon ?? { http: { port: 0 } },
    ...(options.notifications ? { notifications: options.notifications } : {}),
    jobs: options.jobs.map(jobConfig),
  });
  return setup;
}

/** A job's entry in the configuration: its CSV and the standard mapping, plus its options. */
export function jobConfig({ rows: _rows, ...job }: DaemonJob): Record<string, unknown> {
  return { source: { type: "csv", path: `./${job.name}.csv` }, mapping: "./mapping.yaml", ...job };
}

/** Whole seconds of a slot key ("2025-01-01T00:00:02.000Z", maybe with "+retry1"): its time in ms, or NaN. */
export function slotTime(scheduledFor: string | null): number {
  return scheduledFor === null ? NaN : Date.parse(scheduledFor.replace(/\+.*$/, ""));
}
