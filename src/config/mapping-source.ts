// A mapping written for one product's database or API (mappings/suitecrm.yaml, mappings/hubspot.yaml) carries what
// it reads in a `source:` block: an SQL source that names neither a query nor a table takes it from there, a REST
// source takes every setting it does not give itself (the job's baseUrl, auth... win).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { interpolateEnv, type InterpolationProblem } from "./interpolate.js";

/** The keys of an SQL source that a mapping's `source:` block may give; the job's own settings win. */
export const SOURCE_KEYS_FROM_MAPPING = ["query", "params", "key", "table", "columns", "where", "pageSize", "incremental"] as const;

/**
 * The configuration's jobs with their SQL and REST sources completed from their mappings' `source:` blocks. A REST
 * block's `${ENV}` references are expanded here (an SQL block is SQL, where `${` is not ours): an unset one is a
 * problem at the job's source.
 */
export function withMappingSources(config: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): { value: unknown; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = [];
  const jobs = (config as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs)) return { value: config, problems };
  const value = { ...(config as object), jobs: jobs.map((job: unknown, index) => completeJob(job, baseDir, env, (problem) => problems.push({ ...problem, path: ["jobs", index, "source", ...problem.path] }))) };
  return { value, problems };
}

function completeJob(job: unknown, baseDir: string, env: NodeJS.ProcessEnv, report: (problem: InterpolationProblem) => void): unknown {
  const { source, mapping } = (job ?? {}) as { source?: Record<string, unknown>; mapping?: unknown };
  if (source?.["type"] === "rest" && typeof mapping === "string") return completeRest(job as object, source, path.resolve(baseDir, mapping), env, report);
  if (!source || source["type"] !== "sql" || source["query"] !== undefined || source["table"] !== undefined || typeof mapping !== "string") return job;
  const block = mappingSourceBlock(path.resolve(baseDir, mapping));
  if (!block) return job;
  const taken = Object.fromEntries(SOURCE_KEYS_FROM_MAPPING.filter((key) => block[key] !== undefined).map((key) => [key, block[key]]));
  return { ...(job as object), source: { ...taken, ...source } };
}

function completeRest(job: object, source: Record<string, unknown>, file: string, env: NodeJS.ProcessEnv, report: (problem: InterpolationProblem) => void): unknown {
  const block = mappingSourceBlock(file);
  if (!block) return job;
  // Only what the job does not give itself is taken, so only that needs its variables set.
  const taken: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(block)) {
    const own = source[key];
    if (own === undefined) taken[key] = value;
    else if (isPlainObject(value) && mergeable(value, own)) taken[key] = Object.fromEntries(Object.entries(value).filter(([inner]) => own[inner] === undefined));
  }
  const expanded = interpolateEnv(taken, env);
  for (const problem of expanded.problems) report({ ...problem, message: `${problem.message} (the source: block of ${path.basename(file)} needs it)` });
  const merged: Record<string, unknown> = { ...(expanded.value as Record<string, unknown>) };
  for (const [key, own] of Object.entries(source)) {
    const preset = merged[key];
    merged[key] = isPlainObject(preset) && mergeable(preset, own) ? { ...preset, ...own } : own;
  }
  return { ...job, source: merged };
}

/**
 * A job's object setting (auth, query, headers, retry, paging) completes the preset's of the same kind one level
 * deep: `auth: { tokenUrl: ... }` changes the token URL and keeps the rest. A different `type` replaces it whole.
 */
function mergeable(preset: unknown, own: unknown): own is Record<string, unknown> {
  if (!isPlainObject(preset) || !isPlainObject(own)) return false;
  return own["type"] === undefined || own["type"] === preset["type"];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
