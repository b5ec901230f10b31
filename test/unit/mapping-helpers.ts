// Shared by the mapping tests: compile a mapping from its YAML text, map one record, catch the mapping's error.
import { expect } from "vitest";
import { isSyncError, type SyncError } from "../../src/errors.js";
import { compileMapping, parseMapping, type CompiledMapping, type CompileOptions, type MapResult } from "../../src/mapping/index.js";
import type { PbxContact } from "../../src/pbx/contact.js";

export const MAPPING_FILE = "/srv/mappings/test.yaml";

/** A complete mapping: `version`, `externalId: id` and `defaultCountry: IT` unless the text sets them. */
export function mappingText(body: string): string {
  const lines = [];
  if (!/^version:/m.test(body)) lines.push("version: 1");
  if (!/^externalId:/m.test(body)) lines.push("externalId: id");
  if (!/^defaultCountry:/m.test(body)) lines.push("defaultCountry: IT");
  return `${lines.join("\n")}\n${body}`;
}

export function compile(body: string, options: Partial<CompileOptions> = {}): CompiledMapping {
  return compileMapping(parseMapping(mappingText(body), MAPPING_FILE), { appName: "TEST", ...options });
}

/** Maps one record (an `id` of "1" is added unless given). */
export function map(body: string, fields: Record<string, unknown>, options: Partial<CompileOptions> = {}): MapResult {
  return compile(body, options).apply({ id: "1", ...fields }, "line 2");
}

/** The contact of a record that must map, and its warnings. */
export function contactOf(result: MapResult): { contact: PbxContact; warnings: string[] } {
  if (result.kind !== "contact") throw new Error(`expected a contact, got ${JSON.stringify(result)}`);
  return { contact: result.contact, warnings: result.warnings };
}

/** The error a mapping text is refused with, at load or at compile time. */
export function refusal(text: string, options: Partial<CompileOptions> = {}): SyncError {
  try {
    compileMapping(parseMapping(text, MAPPING_FILE), { appName: "TEST", ...options });
  } catch (err) {
    if (isSyncError(err)) {
      expect(err.code).toBe("MAPPING_INVALID");
      return err;
    }
    throw err;
  }
  throw new Error("expected the mapping to be refused");
}
