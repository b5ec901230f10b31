// zod issues of a configuration file as problems: one per unknown key on its own line, with the key it resembles.
import type { z } from "zod";
import { meantKey, unknownKeyHint } from "../mapping/suggest.js";
import { formatPath, type AddProblem, type LineOf } from "./yaml-source.js";

type Path = (string | number)[];

export interface IssueContext {
  /** The schema the issues come from: the keys valid at each level. */
  schema: z.core.$ZodType;
  /** Where that schema sits in the file (["jobs", 0, "source"] for a connector's). */
  prefix?: Path;
  add: AddProblem;
  lineOf: LineOf;
  /** Paths (formatted) already reported another way: a value left empty by a missing variable. */
  skip?: ReadonlySet<string>;
}

/** Adds every issue; a key reported missing is left out when an unknown key beside it is its misspelling. */
export function addIssues(issues: readonly z.core.$ZodIssue[], context: IssueContext): void {
  const prefix = context.prefix ?? [];
  const misspelt = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    for (const key of issue.keys) {
      const meant = meantKey(key, issue.path, context.schema);
      if (meant !== undefined) misspelt.add(formatPath([...prefix, ...(issue.path as Path), meant]));
    }
  }
  for (const issue of issues) {
    const where: Path = [...prefix, ...(issue.path as Path)];
    const at = formatPath(where);
    if (context.skip?.has(at)) continue;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const hint = unknownKeyHint(key, issue.path, context.schema);
        context.add(where, `unknown option ${key}${hint}`, context.lineOf([...where, key]));
      }
    } else if (isMissing(issue)) {
      if (!misspelt.has(at)) context.add(where, "is required");
    } else {
      context.add(where, issue.message);
    }
  }
}

/** A key left out fails its type check with nothing as the input (the input itself is not kept: it may be a secret). */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === "invalid_type" && issue.message.includes("received undefined");
}
