// Loads a configuration file: YAML, ${ENV} interpolation, validation that lists every problem with its path and line.
import path from "node:path";
import type { z } from "zod";
import { SyncError } from "../errors.js";
import { registerSecret } from "../redact.js";
import { getConnector } from "../../connectors/index.js";
import { interpolateEnv } from "./interpolate.js";
import { addIssues } from "./issues.js";
import { withMappingSources } from "./mapping-source.js";
import { checkSecretExposure } from "./secret-exposure.js";
import { notificationSecrets, type NotificationsConfig } from "./notifications-schema.js";
import { systemTimezone } from "./schedule.js";
import { formatPath, parseYamlSource, readConfigText, type AddProblem, type LineOf } from "./yaml-source.js";
import { configSchema, DEFAULTS, type PbxConfig, type RetryConfig, type RawConfig } from "./schema.js";

export type StoreOptionsConfig =
  | { client: "sqlite"; filename: string }
  | {
      client: "mysql";
      connection: { host: string; port?: number; user: string; password?: string; database: string; ssl?: unknown };
    };

export interface JobConfig {
  name: string;
  appName: string;
  source: { type: string; config: unknown };
  /** Absolute path of the mapping file. */
  mapping: string;
  /** Cron expression (the job's, else the defaults'); not scheduled when undefined. */
  schedule: string | undefined;
  /** IANA zone the schedule is read in: the job's, else the defaults', else the machine's. */
  timezone: string;
  /** On start, run once when the last complete run is older than the schedule's period. */
  catchUp: boolean;
  /** Run once when the daemon starts. */
  runOnStart: boolean;
  /** How long a failed run is retried: "auto" (until one hour before the next run), "off", or milliseconds. */
  retryWindow: "auto" | "off" | number;
  /** First delay of the retry back-off (doubling, capped at DEFAULTS.retryDelayCapMs). */
  retryDelayMs: number;
  /** Push every contact again when the last full run is older than this; never when undefined. */
  fullEveryMs: number | undefined;
  batchSize: number;
  batchMaxBytes: number;
  concurrency: number;
  retry: RetryConfig;
  deletions: { enabled: boolean; maxDeletes: number | undefined; maxDeleteRatio: number };
}

export interface AppConfig {
  /** Absolute path of the configuration file ("(built-in)" for the demo's). */
  file: string;
  /** Directory relative paths resolve against. */
  baseDir: string;
  pbx: PbxConfig;
  store: StoreOptionsConfig;
  log: { level: string };
  daemon: {
    /** Health and metrics over HTTP; no server when undefined. */
    http: { port: number; host: string } | undefined;
    shutdownTimeoutMs: number;
  };
  notifications: NotificationsConfig | undefined;
  jobs: JobConfig[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Where a warning about the file goes (a secret written literally in a file others can read); default stderr. */
  warn?: (message: string) => void;
}

/** Reads and validates a configuration file; throws one CONFIG_INVALID error listing every problem. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<AppConfig> {
  const { absolute, text } = await readConfigText(file);
  const config = parseConfig(text, absolute, options);
  const exposure = await checkSecretExposure(absolute, text, { embeddedPbx: config.pbx.url === "embedded" });
  if (exposure) (options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`)))(exposure);
  return config;
}

/**
 * The document without its `viewer:` logins unless the daemon serves the viewer: `sync` and `validate` never use
 * them, so a login variable set only where `serve` runs must not stop them (`serve` reads that section itself).
 */
function withoutUnusedViewer(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value) || !("viewer" in value)) return value;
  const daemon = (value as { daemon?: { http?: { viewer?: unknown } } }).daemon;
  if (daemon?.http?.viewer === true) return value;
  const { viewer: _unused, ...rest } = value as Record<string, unknown>;
  return rest;
}

/** Validates configuration text; `file` names it in messages and anchors relative paths. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const { value, lineOf, problems, add } = parseYamlSource(text, file);
  if (problems.length > 0) throw configError(file, problems);

  const expanded = interpolateEnv(withoutUnusedViewer(value), env);
  for (const problem of expanded.problems) add(problem.path, problem.message);
  // After interpolation: a mapping's query is SQL, where "$$" and "${" are not ours to expand.
  const completed = withMappingSources(expanded.value, path.dirname(file), env);
  for (const problem of completed.problems) add(problem.path, problem.message);
  const interpolated = { value: completed.value, problems: [...expanded.problems, ...completed.problems] };

  const parsed = configSchema.safeParse(interpolated.value);
  if (!parsed.success) {
    // A value left empty by a missing variable is already reported as such: one problem, not two.
    const unset = new Set(interpolated.problems.map((problem) => formatPath(problem.path)));
    addIssues(parsed.error.issues, { schema: configSchema, add, lineOf, skip: unset });
    // The sources' own options are checked too, so that one pass lists every problem.
    const jobs = (interpolated.value as { jobs?: unknown }).jobs;
    if (Array.isArray(jobs)) jobs.forEach((job: unknown, index) => checkSource(job, ["jobs", index], add, lineOf));
    throw configError(file, problems);
  }
  const raw = parsed.data;
  const baseDir = path.dirname(file);
  const jobs = raw.jobs.map((job, index) => resolveJob(raw, job, index, baseDir, add, lineOf));
  checkUniqueness(raw, add);
  if (problems.length > 0) throw configError(file, problems);

  registerSecret(raw.pbx.token);
  for (const job of jobs) for (const secret of getConnector(job.source.type).secrets?.(job.source.config) ?? []) registerSecret(secret);
  if (raw.store.client === "mysql") registerSecret(raw.store.connection.password);
  for (const secret of notificationSecrets(raw.notifications)) registerSecret(secret);
  for (const secret of credentialsOf(raw.notifications)) registerSecret(secret);
  const pbx: PbxConfig = { ...raw.pbx, caFile: raw.pbx.caFile === undefined ? undefined : path.resolve(baseDir, raw.pbx.caFile) };
  if (pbx.embedded?.dbFile) pbx.embedded = { ...pbx.embedded, dbFile: path.resolve(baseDir, pbx.embedded.dbFile) };
  const store: StoreOptionsConfig =
    raw.store.client === "sqlite" ? { client: "sqlite", filename: path.resolve(baseDir, raw.store.filename) } : raw.store;
  const daemon = {
    http: raw.daemon?.http,
    shutdownTimeoutMs: raw.daemon?.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
  };
  return { file, baseDir, pbx, store, log: raw.log, daemon, notifications: raw.notifications, jobs };
}

/**
 * The credential alone of an "Authorization: Bearer TOKEN" style header: the whole value is a secret already,
 * but a log line or an error may quote the token without its scheme.
 */
function credentialsOf(notifications: NotificationsConfig | undefined): string[] {
  const values = Object.values(notifications?.webhook?.headers ?? {});
  return values.flatMap((value) => /^(?:Bearer|Basic|Token|Bot)\s+(\S+)\s*$/i.exec(value)?.[1] ?? []);
}


/** Validates a job's source with its connector's schema; the parsed config, or undefined with the problems added. */
function checkSource(job: unknown, where: Array<string | number>, add: AddProblem, lineOf: LineOf): unknown {
  const source = (job as { source?: unknown } | null)?.source;
  const type = (source as { type?: unknown } | null)?.type;
  if (typeof type !== "string") return undefined;
  try {
    const schema = getConnector(type).configSchema;
    const result = schema.safeParse(source);
    if (result.success) return result.data;
    addIssues(result.error.issues, { schema, prefix: [...where, "source"], add, lineOf });
  } catch (err) {
    add([...where, "source", "type"], err instanceof Error ? err.message : String(err));
  }
  return undefined;
}

function resolveJob(
  raw: RawConfig,
  job: RawConfig["jobs"][number],
  index: number,
  baseDir: string,
  add: AddProblem,
  lineOf: LineOf,
): JobConfig {
  const where = ["jobs", index];
  const sourceConfig = checkSource(job, where, add, lineOf) ?? job.source;
  const defaults = raw.defaults;
  return {
    name: job.name,
    appName: job.appName,
    source: { type: job.source.type, config: sourceConfig },
    mapping: path.resolve(baseDir, job.mapping),
    schedule: job.schedule ?? defaults.schedule,
    timezone: job.timezone ?? defaults.timezone ?? systemTimezone(),
    catchUp: job.catchUp ?? defaults.catchUp ?? DEFAULTS.catchUp,
    runOnStart: job.runOnStart ?? defaults.runOnStart ?? DEFAULTS.runOnStart,
    retryWindow: job.retryWindow ?? defaults.retryWindow ?? DEFAULTS.retryWindow,
    retryDelayMs: job.retryDelay ?? defaults.retryDelay ?? DEFAULTS.retryDelayMs,
    fullEveryMs: job.fullEvery ?? defaults.fullEvery,
    batchSize: job.batchSize ?? defaults.batchSize ?? DEFAULTS.batchSize,
    batchMaxBytes: job.batchMaxBytes ?? defaults.batchMaxBytes ?? DEFAULTS.batchMaxBytes,
    concurrency: job.concurrency ?? defaults.concurrency ?? DEFAULTS.concurrency,
    retry: job.retry ??
      defaults.retry ?? {
        attempts: DEFAULTS.retryAttempts,
        minDelayMs: DEFAULTS.retryMinDelayMs,
        maxDelayMs: DEFAULTS.retryMaxDelayMs,
      },
    deletions: {
      enabled: job.deletions?.enabled ?? true,
      maxDeletes: job.deletions?.maxDeletes,
      maxDeleteRatio: job.deletions?.maxDeleteRatio ?? DEFAULTS.maxDeleteRatio,
    },
  };
}

/** Two jobs sharing a name, or an app name on one PBX, would overwrite (and delete) each other's contacts. */
function checkUniqueness(raw: RawConfig, add: AddProblem): void {
  const names = new Map<string, number>();
  const apps = new Map<string, number>();
  raw.jobs.forEach((job, index) => {
    const sameName = names.get(job.name);
    if (sameName !== undefined) add(["jobs", index, "name"], `job name "${job.name}" is already used by jobs[${sameName}]`);
    else names.set(job.name, index);
    const sameApp = apps.get(job.appName);
    if (sameApp !== undefined) {
      add(
        ["jobs", index, "appName"],
        `appName "${job.appName}" is already used by jobs[${sameApp}]: two jobs on one PBX must not share an app name, ` +
          "or one job's deletions would remove the other's contacts",
      );
    } else apps.set(job.appName, index);
  });
}

/** The line of an unknown key is the key's own line, not its parent's. */
export function issueLine(issue: z.core.$ZodIssue, lineOf: (p: readonly (string | number)[]) => number | undefined): number | undefined {
  const path = issue.path as (string | number)[];
  if (issue.code === "unrecognized_keys" && issue.keys[0] !== undefined) return lineOf([...path, issue.keys[0]]) ?? lineOf(path);
  return lineOf(path);
}

export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown option${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  if (issue.code === "invalid_type" && issue.message.includes("received undefined")) return "is required";
  return issue.message;
}


export function configError(file: string, problems: string[]): SyncError {
  const count = problems.length;
  return new SyncError(
    "CONFIG_INVALID",
    `configuration ${file} has ${count} problem${count === 1 ? "" : "s"}:\n  - ${problems.join("\n  - ")}`,
    { file },
  );
}
