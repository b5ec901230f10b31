// uc_external_id: from the source's own id (a column, a template) or a stable hash of columns for exports without one.
import { createHash } from "node:crypto";
import type { CompileContext } from "./context.js";
import type { ExternalIdSpec } from "./schema.js";
import { compileColumns, compileSource, parseTemplate, type Getter } from "./template.js";

export interface ExternalIdPlan {
  read: Getter;
  /** Why the id came out empty, for the "invalid" result: names the columns it reads. */
  emptyMessage: string;
  /** The one column the id reads, when it reads exactly one and is not a hash: then a broken record's id can be guessed. */
  singleColumn?: string;
}

const SPACE_RUNS = /\s+/g;

export function compileExternalId(spec: ExternalIdSpec, ctx: CompileContext): ExternalIdPlan {
  if (spec.hash) {
    const columns = [...spec.hash];
    const reads = columns.map((column, index) => compileColumns([column], ["externalId", "hash", index], ctx));
    return {
      read: (fields) => {
        // Spacing and case are not identity: "Mario  Rossi" and "mario rossi" are one contact, one id.
        let any = false;
        const parts = reads.map((read) => {
          const value = read(fields).normalize("NFC").replace(SPACE_RUNS, " ").toLowerCase();
          if (value !== "") any = true;
          return value;
        });
        return any ? createHash("sha1").update(parts.join("\u001f")).digest("hex") : "";
      },
      emptyMessage: `uc_external_id: empty, because ${listColumns(columns)} ${columns.length === 1 ? "is" : "are all"} empty`,
    };
  }
  const read = compileSource(spec, ["externalId"], ctx);
  const parsed = spec.template === undefined ? undefined : parseTemplate(spec.template);
  const columns = spec.from ?? spec.concat ?? (parsed && "parts" in parsed ? parsed.parts.flatMap((p) => ("column" in p ? [p.column] : [])) : []);
  const emptyMessage =
    columns.length === 0
      ? "uc_external_id: empty"
      : `uc_external_id: empty, because ${listColumns(columns)} ${columns.length === 1 ? "is" : "are all"} empty`;
  const single = columns.length === 1 && columns[0] !== undefined ? { singleColumn: columns[0] } : {};
  return { read, emptyMessage, ...single };
}

/**
 * The ids a broken record (a row with too few or too many fields, a bad quote) may have, or null when they
 * cannot be told. Its values may sit under the wrong columns, but with a one-column id the true id is made
 * from one of its values: every value is tried in the id column. A hash of several columns cannot be guessed.
 */
export function possibleIdsOf(plan: ExternalIdPlan, fields: Readonly<Record<string, unknown>>): string[] | null {
  const column = plan.singleColumn;
  if (column === undefined) return null;
  const ids = new Set([plan.read(fields)]);
  for (const value of Object.values(fields)) ids.add(plan.read({ ...fields, [column]: value }));
  ids.delete("");
  return [...ids];
}

function listColumns(columns: readonly string[]): string {
  return columns.map((column) => `"${column}"`).join(", ");
}
