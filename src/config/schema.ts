// The configuration file's schema: every option, its default beside it, its range with the fix in the message.
import { z } from "zod";
import { parseDuration } from "./duration.js";
import { LOG_LEVELS } from "./log-levels.js";
import { notificationsSchema } from "./notifications-schema.js";
import { checkCron, checkTimezone } from "./schedule.js";
import { viewerSchema } from "./viewer-schema.js";

/** Defaults in one place; the README and config.example.yaml quote these. */
export const DEFAULTS = {
  pbxTimeoutMs: 30_000,
  pbxConnections: 4,
  extInfoEncoding: "array" as const,
  sqliteFile: "./data/phonebook-sync.sqlite",
  batchSize: 500,
  batchMaxBytes: 1_048_576,
  concurrency: 2,
  retryAttempts: 4,
  retryMinDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  logLevel: "info" as const,
  maxDeleteRatio: 0.1,
  /** On start, a job whose last complete run is older than its period runs once. */
  catchUp: true,
  /** Every job runs once when the daemon starts. */
  runOnStart: false,
  /** A failed run is retried until one hour before the job's next regular run. */
  retryWindow: "auto" as const,
  /** First delay of a failed run's back-off; it doubles up to retryDelayCapMs. */
  retryDelayMs: 60_000,
  retryDelayCapMs: 900_000,
  daemonHttpHost: "127.0.0.1",
  shutdownTimeoutMs: 30_000,
};

/** A shorter PBX token is a placeholder or a typo, not the integration module's. */
export const MIN_TOKEN_LENGTH = 8;

// In a module of its own: the commands' --log-level choices must not load zod for --help.
export { LOG_LEVELS };

const range = (name: string, min: number, max: number) =>
  z
    .number({ message: `${name} must be a number` })
    .int({ message: `${name} must be a whole number` })
    .min(min, { message: `invalid ${name}: use ${min}..${max}` })
    .max(max, { message: `invalid ${name}: use ${min}..${max}` });

const embeddedPbxSchema = z
  .object({
    /** SQLite file of the embedded emulator's phonebook; in memory when absent. */
    dbFile: z.string().min(1).optional(),
    maxContactsPerRequest: range("maxContactsPerRequest", 1, 100_000).optional(),
  })
  .strict();

/** The PBX client refuses these at the first request; the configuration says so before any work. Never quotes the token. */
function checkToken(token: string, ctx: z.RefinementCtx): void {
  if (token === "") return;
  if (token.trim() !== token) {
    ctx.addIssue({
      code: "custom",
      message: "the PBX token starts or ends with white space (a newline from a file or a copy and paste?): remove it",
    });
  } else if (token.length < MIN_TOKEN_LENGTH) {
    ctx.addIssue({
      code: "custom",
      message: `the PBX token is too short: use the integration module's token (at least ${MIN_TOKEN_LENGTH} characters)`,
    });
  }
}

export const pbxSchema = z
  .object({
    /** The endpoint (https://HOST/PBX/seri_endpoint.php, or just https://HOST), or "embedded" for the built-in emulator. */
    url: z.string().min(1, { message: "pbx.url is required: the PBX address, or 'embedded'" }),
    token: z.string().min(1, { message: "pbx.token is empty: set it to ${VOISPEED_TOKEN} and export that variable" }).superRefine(checkToken),
    timeoutMs: range("timeoutMs", 1_000, 600_000).default(DEFAULTS.pbxTimeoutMs),
    caFile: z.string().min(1).optional(),
    extInfoEncoding: z.enum(["array", "json-string"]).default(DEFAULTS.extInfoEncoding),
    connections: range("connections", 1, 64).default(DEFAULTS.pbxConnections),
    embedded: embeddedPbxSchema.optional(),
  })
  .strict()
  .superRefine((pbx, ctx) => {
    if (pbx.url === "embedded") return;
    let parsed: URL | undefined;
    try {
      parsed = new URL(pbx.url);
    } catch {
      ctx.addIssue({ code: "custom", path: ["url"], message: `not a URL: use https://HOST/PBX/seri_endpoint.php or "embedded"` });
      return;
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      ctx.addIssue({ code: "custom", path: ["url"], message: `unsupported protocol ${parsed.protocol}: use https:// (or http://)` });
    }
    if (parsed.searchParams.has("token")) {
      ctx.addIssue({ code: "custom", path: ["url"], message: "put the token in pbx.token, not in the URL" });
    }
  });

/** A store section without `client` is SQLite, as the example configuration says. */
const sqliteWhenUnsaid = (value: unknown): unknown =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !("client" in value) ? { client: "sqlite", ...value } : value;

export const storeSchema = z.preprocess(sqliteWhenUnsaid, z.discriminatedUnion("client", [
  z.object({ client: z.literal("sqlite"), filename: z.string().min(1).default(DEFAULTS.sqliteFile) }).strict(),
  z
    .object({
      client: z.literal("mysql"),
      connection: z
        .object({
          host: z.string().min(1),
          port: range("port", 1, 65_535).optional(),
          user: z.string().min(1),
          password: z.string().optional(),
          database: z.string().min(1),
          ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
        })
        .strict(),
    })
    .strict(),
], { error: (issue) => (issue.code === "invalid_union" ? "client: use sqlite (the default) or mysql (also for MariaDB)" : undefined) }));

export const retrySchema = z
  .object({
    attempts: range("retry.attempts", 1, 20).default(DEFAULTS.retryAttempts),
    minDelayMs: range("retry.minDelayMs", 0, 600_000).default(DEFAULTS.retryMinDelayMs),
    maxDelayMs: range("retry.maxDelayMs", 0, 3_600_000).default(DEFAULTS.retryMaxDelayMs),
  })
  .strict();

/**
 * A duration ("30s", "15m", "1h30m", "7d") as milliseconds, within min..max, or one of `words` as it is.
 * A bare number is refused: YAML turns `7` into a number, and the message says to add a unit.
 */
function duration(name: string, min: string, max: string): z.ZodType<number, unknown>;
function duration<W extends string>(name: string, min: string, max: string, words: readonly W[]): z.ZodType<number | W, unknown>;
function duration(name: string, min: string, max: string, words: readonly string[] = []): z.ZodType<number | string, unknown> {
  const [minMs, maxMs] = [parseDuration(min), parseDuration(max)];
  const alternatives = words.map((word) => `"${word}"`).join(", ");
  return z.unknown().transform((value, ctx): number | string => {
    if (typeof value === "string" && words.includes(value)) return value;
    if (typeof value !== "string" && typeof value !== "number") {
      const also = words.length > 0 ? ` or ${alternatives}` : "";
      ctx.addIssue({ code: "custom", message: `${name} must be a duration such as 30s, 15m, 1h, 7d${also}` });
      return z.NEVER;
    }
    let ms: number;
    try {
      ms = parseDuration(String(value));
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `${(err as Error).message}${words.length > 0 ? `, or ${alternatives}` : ""}` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: "custom", message: `invalid ${name} "${value}": use ${min}..${max}` });
      return z.NEVER;
    }
    return ms;
  });
}

const cronExpression = z.string().superRefine((expression, ctx) => {
  const problem = checkCron(expression);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

const timezone = z.string().superRefine((name, ctx) => {
  const problem = checkTimezone(name);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/** Options a job may set and the `defaults` section may set for every job. */
const tuningShape = {
  batchSize: range("batchSize", 1, 5_000).optional(),
  batchMaxBytes: range("batchMaxBytes", 10_000, 64 * 1_048_576).optional(),
  concurrency: range("concurrency", 1, 16).optional(),
  retry: retrySchema.optional(),
  /** When the daemon runs the job: cron, five fields or six with seconds first. */
  schedule: cronExpression.optional(),
  /** IANA time zone the schedule is read in; default the machine's. */
  timezone: timezone.optional(),
  catchUp: z.boolean({ message: "catchUp must be true or false" }).optional(),
  runOnStart: z.boolean({ message: "runOnStart must be true or false" }).optional(),
  /** How long a failed run keeps being retried: a duration, "auto" (until one hour before the next run) or "off". */
  retryWindow: duration("retryWindow", "1s", "30d", ["auto", "off"] as const).optional(),
  retryDelay: duration("retryDelay", "100ms", "15m").optional(),
  /** Push every contact again when the last full run is older than this. */
  fullEvery: duration("fullEvery", "1s", "366d").optional(),
};

export const deletionsSchema = z
  .object({
    enabled: z.boolean().default(true),
    maxDeletes: range("deletions.maxDeletes", 0, 100_000_000).optional(),
    maxDeleteRatio: z
      .number()
      .min(0, { message: "invalid maxDeleteRatio: use 0..1" })
      .max(1, { message: "invalid maxDeleteRatio: use 0..1" })
      .default(DEFAULTS.maxDeleteRatio),
  })
  .strict();

export const jobSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: "job names use letters, digits, '_', '.', '-'" }),
    /** uc_app_name of the job's contacts: how the PBX tells this source's contacts from others'. */
    appName: z.string().min(1).max(64),
    /** The source: `type` picks the connector; the rest is the connector's own config. */
    source: z.object({ type: z.string().min(1) }).passthrough(),
    /** Path of the mapping file (YAML), relative to the config file. */
    mapping: z.string().min(1),
    deletions: deletionsSchema.optional(),
    ...tuningShape,
  })
  .strict();

export const daemonSchema = z
  .object({
    /** Health and metrics over HTTP; no server when absent. */
    http: z
      .object({
        // 0: any free port (the daemon logs the one it got); for tests and ad-hoc runs.
        port: range("daemon.http.port", 0, 65_535),
        host: z.string().min(1).default(DEFAULTS.daemonHttpHost),
        /** true: also serve the report viewer (docs/viewer.md) on this port, with live progress of the runs. */
        viewer: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** How long SIGTERM waits for running jobs before they are aborted. */
    shutdownTimeoutMs: range("daemon.shutdownTimeoutMs", 1_000, 600_000).default(DEFAULTS.shutdownTimeoutMs),
  })
  .strict();

export const configSchema = z
  .object({
    pbx: pbxSchema,
    store: storeSchema.default({ client: "sqlite", filename: DEFAULTS.sqliteFile }),
    log: z
      .object({ level: z.enum(LOG_LEVELS).default(DEFAULTS.logLevel) })
      .strict()
      .default({ level: DEFAULTS.logLevel }),
    defaults: z.object(tuningShape).strict().default({}),
    daemon: daemonSchema.optional(),
    notifications: notificationsSchema.optional(),
    /** Logins of the report viewer (`serve`, daemon.http.viewer). */
    viewer: viewerSchema.optional(),
    jobs: z.array(jobSchema).min(1, { message: "at least one job is needed" }),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
export type PbxConfig = z.infer<typeof pbxSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
export type DaemonConfig = z.infer<typeof daemonSchema>;
