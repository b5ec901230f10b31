// A configuration file's YAML with what its loaders share: the line of any path, and problems listed as file:line.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { SyncError } from "../errors.js";
import { lineOfPath } from "../mapping/locate.js";
import { yamlData } from "../mapping/yaml-data.js";
import { duplicateKeys } from "../mapping/yaml-duplicates.js";

export type LineOf = (p: readonly (string | number)[]) => number | undefined;
export type AddProblem = (p: readonly (string | number)[], message: string, line?: number) => void;

export interface YamlSource {
  /** The parsed value ({} for an empty file). */
  value: unknown;
  lineOf: LineOf;
  /** Problems so far, as "file:line: path: message"; YAML syntax errors are already in it. */
  problems: string[];
  add: AddProblem;
}

/**
 * Parses the text; syntax errors, keys written twice in one map and aliases that name no anchor or expand too
 * far (an alias bomb) land in `problems` (the caller throws them before going on).
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  // The library's own duplicate-key check is quadratic in a map's size: duplicateKeys does it in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  // A bad value's key, an unknown key's own line, a missing key's parent.
  const lineOf: LineOf = (p) => lineOfPath(doc, lineCounter, p);
  const problems: string[] = [];
  const add: AddProblem = (p, message, line = lineOf(p)) =>
    problems.push(`${line === undefined ? file : `${file}:${line}`}: ${formatPath(p) || "(top)"}: ${message}`);
  for (const error of doc.errors) add([], error.message, lineCounter.linePos(error.pos[0]).line);
  for (const duplicate of duplicateKeys(doc, lineCounter)) add([], duplicate.message, duplicate.line);
  if (problems.length > 0) return { value: {}, lineOf, problems, add };
  const data = yamlData(doc, lineCounter);
  if (!data.ok) add([], data.problem.message, data.problem.line);
  return { value: data.ok ? (data.value ?? {}) : {}, lineOf, problems, add };
}

export function formatPath(p: readonly (string | number | symbol)[]): string {
  return p.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`)).join("");
}

/** A configuration file's absolute path and text; CONFIG_NOT_FOUND naming the path when it cannot be read. */
export async function readConfigText(file: string): Promise<{ absolute: string; text: string }> {
  const absolute = path.resolve(file);
  try {
    return { absolute, text: await readFile(absolute, "utf8") };
  } catch (err) {
    throw new SyncError("CONFIG_NOT_FOUND", `cannot read configuration file ${absolute}: ${(err as Error).message}`, { file: absolute, cause: err });
  }
}
