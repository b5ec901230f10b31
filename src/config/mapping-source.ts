// A mapping written for one product's database (mappings/suitecrm.yaml, mappings/odoo.yaml) carries the query it
// reads in a `source:` block: an SQL source that names neither a query nor a table takes it from there.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** The keys of an SQL source that a mapping's `source:` block may give; the job's own settings win. */
export const SOURCE_KEYS_FROM_MAPPING = ["query", "params", "key", "table", "columns", "where", "pageSize", "incremental"] as const;

/** The configuration's jobs with their SQL sources completed from their mappings' `source:` blocks. */
export function withMappingSources(config: unknown, baseDir: string): unknown {
  const jobs = (config as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs)) return config;
  return { ...(config as object), jobs: jobs.map((job: unknown) => completeJob(job, baseDir)) };
}

function completeJob(job: unknown, baseDir: string): unknown {
  const { source, mapping } = (job ?? {}) as { source?: Record<string, unknown>; mapping?: unknown };
  if (!source || source["type"] !== "sql" || source["query"] !== undefined || source["table"] !== undefined || typeof mapping !== "string") return job;
  const block = mappingSourceBlock(path.resolve(baseDir, mapping));
  if (!block) return job;
  const taken = Object.fromEntries(SOURCE_KEYS_FROM_MAPPING.filter((key) => block[key] !== undefined).map((key) => [key, block[key]]));
  return { ...(job as object), source: { ...taken, ...source } };
}

/** The mapping's `source:` block, or undefined (no block, or a file that the mapping loader will report on). */
function mappingSourceBlock(file: string): Record<string, unknown> | undefined {
  try {
    const data = parse(readFileSync(file, "utf8")) as { source?: unknown } | null;
    const block = data?.source;
    return typeof block === "object" && block !== null && !Array.isArray(block) ? (block as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
