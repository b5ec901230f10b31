// A configuration file's YAML with what its loaders share: the line of any path, and problems listed as file:line.
import { LineCounter, parseDocument } from "yaml";
import { lineOfPath } from "../mapping/locate.js";

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

/** Parses the text; syntax errors land in `problems` (the caller throws them before going on). */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  // A bad value's key, an unknown key's own line, a missing key's parent.
  const lineOf: LineOf = (p) => lineOfPath(doc, lineCounter, p);
  const problems: string[] = [];
  const add: AddProblem = (p, message, line = lineOf(p)) =>
    problems.push(`${line === undefined ? file : `${file}:${line}`}: ${formatPath(p) || "(top)"}: ${message}`);
  for (const error of doc.errors) add([], error.message, lineCounter.linePos(error.pos[0]).line);
  return { value: doc.errors.length > 0 ? {} : (doc.toJS() ?? {}), lineOf, problems, add };
}

export function formatPath(p: readonly (string | number | symbol)[]): string {
  return p.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`)).join("");
}
