// The configuration file's schema: every option, its default beside it, its range with the fix in the message.
import { z } from "zod";

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
};

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

export const pbxSchema = z
  .object({
    /** The endpoint (https://HOST/PBX/seri_endpoint.php, or just https://HOST), or "embedded" for the built-in emulator. */
    url: z.string().min(1, { message: "pbx.url is required: the PBX address, or 'embedded'" }),
    token: z.string().min(1, { message: "pbx.token is empty: set it to ${VOISPEED_TOKEN} and export that variable" }),
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

export const storeSchema = z.discriminatedUnion("client", [
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
]);

export const retrySchema = z
  .object({
    attempts: range("retry.attempts", 1, 20).default(DEFAULTS.retryAttempts),
    minDelayMs: range("retry.minDelayMs", 0, 600_000).default(DEFAULTS.retryMinDelayMs),
    maxDelayMs: range("retry.maxDelayMs", 0, 3_600_000).default(DEFAULTS.retryMaxDelayMs),
  })
  .strict();

/** Options a job may set and the `defaults` section may set for every job. */
const tuningShape = {
  batchSize: range("batchSize", 1, 5_000).optional(),
  batchMaxBytes: range("batchMaxBytes", 10_000, 64 * 1_048_576).optional(),
  concurrency: range("concurrency", 1, 16).optional(),
  retry: retrySchema.optional(),
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
    schedule: z.string().min(1).optional(),
    timezone: z.string().min(1).optional(),
    deletions: deletionsSchema.optional(),
    ...tuningShape,
  })
  .strict();

export const configSchema = z
  .object({
    pbx: pbxSchema,
    store: storeSchema.default({ client: "sqlite", filename: DEFAULTS.sqliteFile }),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default(DEFAULTS.logLevel) })
      .strict()
      .default({ level: DEFAULTS.logLevel }),
    defaults: z.object(tuningShape).strict().default({}),
    jobs: z.array(jobSchema).min(1, { message: "at least one job is needed" }),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
export type PbxConfig = z.infer<typeof pbxSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
