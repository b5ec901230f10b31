// A source's private CA (`caFile`, relative to the configuration file) as PEM text, or a clear error naming it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { SyncError, type ErrorCode } from "../src/errors.js";

/** Reads the PEM file `caFile` (as written in the configuration) from `baseDir`; throws `code` naming it. */
export function readCaFile(baseDir: string, caFile: string, code: ErrorCode): string {
  try {
    return readFileSync(path.resolve(baseDir, caFile), "utf8");
  } catch (err) {
    throw new SyncError(code, `caFile ${caFile}: ${(err as Error).message}`, { field: "caFile", hint: "Give the PEM file of the CA, relative to the configuration file." });
  }
}
