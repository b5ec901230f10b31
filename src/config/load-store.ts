// Loads only the store section of a configuration: reading reports needs the store, never the PBX token or a
// source's credentials, so only this section's ${ENV} references must be set.
import path from "node:path";
import { z } from "zod";
import { registerSecret } from "../redact.js";
import { interpolateEnv } from "./interpolate.js";
import { configError, issueLine, issueMessage, type LoadOptions, type StoreOptionsConfig } from "./load.js";
import { DEFAULTS, storeSchema } from "./schema.js";
import { parseYamlSource, readConfigText } from "./yaml-source.js";

export interface StoreOnlyConfig {
  file: string;
  baseDir: string;
  store: StoreOptionsConfig;
}

const storeSection = z.object({ store: storeSchema.default({ client: "sqlite", filename: DEFAULTS.sqliteFile }) });

/** The store of a configuration file, its other sections unchecked; throws CONFIG_INVALID listing the store's problems. */
export async function loadStoreConfig(file: string, options: LoadOptions = {}): Promise<StoreOnlyConfig> {
  const { absolute, text } = await readConfigText(file);
  return parseStoreConfig(text, absolute, options);
}

export function parseStoreConfig(text: string, file: string, options: LoadOptions = {}): StoreOnlyConfig {
  const { value, lineOf, problems, add } = parseYamlSource(text, file);
  if (problems.length > 0) throw configError(file, problems);

  const whole = value as { store?: unknown };
  const expanded = interpolateEnv(whole.store === undefined ? {} : { store: whole.store }, options.env ?? process.env);
  for (const problem of expanded.problems) add(problem.path, problem.message);
  const parsed = storeSection.safeParse(expanded.value);
  if (!parsed.success) for (const issue of parsed.error.issues) add(issue.path as (string | number)[], issueMessage(issue), issueLine(issue, lineOf));
  if (problems.length > 0 || !parsed.success) throw configError(file, problems);

  const baseDir = path.dirname(file);
  const raw = parsed.data.store;
  if (raw.client === "mysql") registerSecret(raw.connection.password);
  const store: StoreOptionsConfig = raw.client === "sqlite" ? { client: "sqlite", filename: path.resolve(baseDir, raw.filename) } : raw;
  return { file, baseDir, store };
}
