// Problems found in a mapping file (schema, compile): zod issues made readable, located, thrown as one error.
import type { z } from "zod";
import { SyncError } from "../errors.js";
import { formatPath, YamlLocator, type YamlPath } from "./locate.js";
import { mappingSchema, TRANSFORM_NAMES } from "./schema.js";
import { didYouMean, meantKey, unknownKeyHint } from "./suggest.js";

export interface MappingProblem {
  path: YamlPath;
  /** An unknown key inside the map at `path`: the line is the key's own. */
  key?: string;
  /** Known already (YAML syntax errors). */
  line?: number;
  message: string;
}

/** What to write for a required key that is missing; other keys get a plain "required". */
const REQUIRED: Readonly<Record<string, string>> = {
  version: "write version: 1",
  externalId: "the column with the source's own id (externalId: id), or { hash: [columns] } for an export without one",
  defaultCountry: "the country of numbers typed without +/00, e.g. defaultCountry: IT",
  caption: "the caption the operator sees beside the value",
};

/** zod issues (parsed with `reportInput`) as problems a person can act on. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], prefix: YamlPath = []): MappingProblem[] {
  const out: MappingProblem[] = [];
  // A map with a misspelt key also fails its "which keys go together" check; the misspelling is the news.
  const withUnknownKeys = new Set(issues.filter((i) => i.code === "unrecognized_keys").map((i) => i.path.join("\u0000")));
  const misspelt = misspeltKeys(issues, prefix);
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "custom" && withUnknownKeys.has(issue.path.join("\u0000"))) continue;
    // A key left out fails its type or enum check with nothing as the input: say that it is required.
    const key = path[path.length - 1];
    if ((issue.code === "invalid_type" || issue.code === "invalid_value") && issue.input === undefined && typeof key === "string") {
      // Unless it is there, misspelt: the unknown key's message says so, on its line.
      if (misspelt.has(pathKey(path))) continue;
      out.push({ path, message: `required: ${REQUIRED[key] ?? "this key must be given"}` });
      continue;
    }
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const inTransforms = path.length >= 2 && path[path.length - 2] === "transform";
          out.push(
            inTransforms
              ? { path, message: `unknown transform "${key}"${didYouMean(key, TRANSFORM_NAMES)}; known: ${TRANSFORM_NAMES.join(", ")}` }
              : { path, key, message: `unknown key "${key}"${unknownKeyHint(key, path, mappingSchema)}` },
          );
        }
        break;
      case "invalid_union":
        out.push(...problemsFromUnion(issue, path));
        break;
      case "invalid_value": {
        const values = issue.values.map((v) => JSON.stringify(v));
        const hint = typeof issue.input === "string" ? didYouMean(issue.input, issue.values.map(String)) : "";
        out.push({ path, message: `expected one of ${values.join(", ")}, got ${describe(issue.input)}${hint}` });
        break;
      }
      default:
        out.push({ path, message: issue.message.replace(/^Invalid input: /, "") });
    }
  }
  return out;
}

/** The paths of the keys that unknown keys were most likely meant to be: "externalID" for a missing externalId. */
function misspeltKeys(issues: readonly z.core.$ZodIssue[], prefix: YamlPath): Set<string> {
  const out = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const path = [...prefix, ...issue.path];
    for (const key of issue.keys) {
      const meant = meantKey(key, path, mappingSchema);
      if (meant !== undefined) out.add(pathKey([...path, meant]));
    }
  }
  return out;
}

function pathKey(path: YamlPath): string {
  return path.map(String).join("\u0000");
}

/**
 * A union fails with one list of issues per branch. The branch the author meant is the one that got past
 * the type check at the top; when none did, say which types would have done.
 */
function problemsFromUnion(issue: z.core.$ZodIssueInvalidUnion, path: YamlPath): MappingProblem[] {
  const meant = issue.errors.filter((branch) => !branch.every((sub) => sub.path.length === 0 && isWrongType(sub)));
  if (meant.length > 0) {
    const best = meant.reduce((a, b) => (b.length < a.length ? b : a));
    return problemsFromIssues(best, path);
  }
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    for (const sub of branch) {
      if (sub.code === "invalid_type") expected.add(sub.expected);
      if (sub.code === "invalid_value") expected.add(`one of ${sub.values.map((v) => JSON.stringify(v)).join(", ")}`);
    }
  }
  return [{ path, message: `expected ${[...expected].join(" or ")}, got ${describe(issue.input)}` }];
}

function isWrongType(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "invalid_type") return true;
  // An enum of strings given a map or a number was not what the author meant either.
  if (issue.code === "invalid_value") return issue.values.every((v) => typeof v !== typeof issue.input);
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return String(value);
}

/** The one error for every problem in a mapping file: "file:line: path: message" lines. */
export function mappingInvalid(file: string, text: string, problems: readonly MappingProblem[]): SyncError {
  let locator: YamlLocator | undefined;
  const located = problems.map((problem) => {
    const line = problem.line ?? (locator ??= new YamlLocator(text)).line(problem.path, problem.key);
    const where = problem.path.length > 0 || problem.key ? `${formatPath(problem.key ? [...problem.path, problem.key] : problem.path)}: ` : "";
    return { line, text: `${file}:${line}: ${where}${problem.message}` };
  });
  located.sort((a, b) => a.line - b.line);
  const first = located[0];
  return new SyncError("MAPPING_INVALID", located.map((entry) => entry.text).join("\n"), {
    file,
    ...(first ? { line: first.line } : {}),
  });
}

/** Collects compile problems, so one error can list them all. */
export class ProblemList {
  readonly items: MappingProblem[] = [];

  add(path: YamlPath, message: string): void {
    this.items.push({ path, message });
  }

  throwIfAny(file: string, text: string): void {
    if (this.items.length > 0) throw mappingInvalid(file, text, this.items);
  }
}
