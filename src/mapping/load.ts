// Reads a mapping file: YAML syntax, then the schema; every problem in one MAPPING_INVALID error with its line.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { SyncError } from "../errors.js";
import { mappingInvalid, problemsFromIssues, type MappingProblem } from "./problems.js";
import { mappingSchema, type MappingSpec } from "./schema.js";
import { yamlData } from "./yaml-data.js";
import { duplicateKeys } from "./yaml-duplicates.js";

export interface LoadedMapping {
  spec: MappingSpec;
  /** The path the mapping was read from, as given: every message names it. */
  file: string;
  /** sha256 (hex) of the file's bytes. */
  hash: string;
  /** The file's text: compile errors are located in it. */
  text: string;
}

/**
 * Largest mapping file read: 1 MiB, a hundred times the largest preset (mappings/default.yaml, 8 kB with its
 * comments) and room for long label tables. Past it a file is not a mapping: a 10 MB file took 20 s and 625 MB.
 */
export const MAX_MAPPING_BYTES = 1_048_576;

export async function loadMapping(file: string): Promise<LoadedMapping> {
  let bytes: Buffer;
  try {
    const { size } = await stat(file);
    if (size > MAX_MAPPING_BYTES) {
      throw new SyncError("MAPPING_INVALID", `mapping ${file} is ${size} bytes: a mapping file is at most ${MAX_MAPPING_BYTES} bytes`, {
        file,
        hint: "Check the job's mapping path: it names something else than a mapping file (a mapping is a few kB of YAML).",
      });
    }
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof SyncError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory, not a file" : String((err as Error).message);
    throw new SyncError("MAPPING_INVALID", `cannot read mapping ${file}: ${why}`, {
      file,
      hint: "Check the job's mapping path; a relative path is resolved against the configuration file's directory.",
      cause: err,
    });
  }
  return parseText(bytes.toString("utf8"), file, sha256(bytes));
}

/** Parses a mapping from its text; `file` names it in messages. */
export function parseMapping(text: string, file: string): LoadedMapping {
  return parseText(text, file, sha256(Buffer.from(text, "utf8")));
}

function parseText(raw: string, file: string, hash: string): LoadedMapping {
  // Editors on Windows save a byte-order mark; it is not part of the YAML.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const problems: MappingProblem[] = doc.errors.map((error) => {
    const line = lineCounter.linePos(error.pos[0]).line;
    const message = (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, "");
    return { path: [], line, message: `YAML syntax error: ${message}` };
  });
  for (const duplicate of duplicateKeys(doc, lineCounter)) problems.push({ path: [], line: duplicate.line, message: `YAML syntax error: ${duplicate.message}` });
  if (problems.length > 0) throw mappingInvalid(file, text, problems);
  const read = yamlData(doc, lineCounter);
  if (!read.ok) throw mappingInvalid(file, text, [{ path: [], ...read.problem }]);
  const data = read.value;
  if (data === null || data === undefined) {
    throw mappingInvalid(file, text, [{ path: [], line: 1, message: "the mapping file is empty" }]);
  }
  const parsed = mappingSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw mappingInvalid(file, text, problemsFromIssues(parsed.error.issues));
  return { spec: parsed.data, file, hash, text };
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
