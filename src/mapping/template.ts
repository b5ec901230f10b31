// Value sources — a column list (first non-empty), a "{template}", a concat — compiled into plain getters.
import type { CompileContext } from "./context.js";
import type { YamlPath } from "./locate.js";
import type { TransformSpec } from "./schema.js";
import { compileFieldGetter, isPlainName, type FieldGetter } from "./field-path.js";
import { compileTransforms } from "./transforms.js";
import { toText, type Fields } from "./values.js";

export type Getter = (fields: Fields) => string;

/** The source part of a field, a number, an ext_info block or the external id. */
export interface SourceSpec {
  from?: string[] | undefined;
  template?: string | undefined;
  concat?: string[] | undefined;
  separator?: string | undefined;
  transform?: TransformSpec[] | undefined;
}

type Part = { text: string } | { column: string };

/** Splits "{company} - {city}" into literal and column parts; `{{` and `}}` stand for braces. */
export function parseTemplate(template: string): { parts: Part[] } | { error: string } {
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    const next = template[i + 1];
    if ((ch === "{" && next === "{") || (ch === "}" && next === "}")) {
      literal += ch;
      i++;
    } else if (ch === "{") {
      const end = template.indexOf("}", i + 1);
      if (end < 0) return { error: `unclosed "{" at character ${i + 1} of the template (write "{{" for a literal brace)` };
      const name = template.slice(i + 1, end).trim();
      if (name === "") return { error: `empty "{}" at character ${i + 1} of the template` };
      if (literal !== "") parts.push({ text: literal });
      literal = "";
      parts.push({ column: name });
      i = end;
    } else if (ch === "}") {
      return { error: `stray "}" at character ${i + 1} of the template (write "}}" for a literal brace)` };
    } else {
      literal += ch;
    }
  }
  if (literal !== "") parts.push({ text: literal });
  return { parts };
}

/**
 * Compiles a template. When every column it names is empty the result is empty — "{note} ({status})"
 * gives "", not " ()" — so an empty ext_info block or field is left out as it should be.
 */
export function compileTemplate(template: string, path: YamlPath, ctx: CompileContext): Getter {
  const parsed = parseTemplate(template);
  if ("error" in parsed) {
    ctx.problems.add(path, parsed.error);
    return () => "";
  }
  const { parts } = parsed;
  const paths = parts.map((part) => ("column" in part ? pathGetter(part.column, path, ctx) : undefined));
  const columns = parts.filter((part): part is { column: string } => "column" in part).map((part) => part.column);
  if (columns.length === 0) {
    const constant = parts.map((part) => ("text" in part ? part.text : "")).join("");
    return () => constant;
  }
  if (parts.length === 1 && columns.length === 1) return textOf(columns[0] as string, paths[0]);
  // Parallel arrays: literal text (or null) and column (or null) per part, so the row loop allocates nothing but the result.
  const texts = parts.map((part) => ("text" in part ? part.text : null));
  const keys = parts.map((part) => ("column" in part ? part.column : null));
  const count = parts.length;
  return (fields) => {
    let out = "";
    let any = false;
    for (let i = 0; i < count; i++) {
      const key = keys[i];
      if (key === null || key === undefined) {
        out += texts[i] as string;
      } else {
        const get = paths[i];
        const value = toText(get === undefined ? fields[key] : get(fields));
        if (value !== "") any = true;
        out += value;
      }
    }
    return any ? out : "";
  };
}

/** First non-empty of the columns. */
export function compileColumns(columns: readonly string[], path: YamlPath, ctx: CompileContext): Getter {
  const paths = columns.map((column, index) => pathGetter(column, columns.length === 1 ? path : [...path, index], ctx));
  if (columns.length === 1) return textOf(columns[0] as string, paths[0]);
  const list = [...columns];
  const count = list.length;
  return (fields) => {
    for (let i = 0; i < count; i++) {
      const get = paths[i];
      const value = toText(get === undefined ? fields[list[i] as string] : get(fields));
      if (value !== "") return value;
    }
    return "";
  };
}

/** The non-empty values of the columns joined with the separator. */
function compileConcat(columns: readonly string[], separator: string, path: YamlPath, ctx: CompileContext): Getter {
  const list = [...columns];
  const paths = columns.map((column, index) => pathGetter(column, [...path, index], ctx));
  const count = list.length;
  return (fields) => {
    let out = "";
    for (let i = 0; i < count; i++) {
      const get = paths[i];
      const value = toText(get === undefined ? fields[list[i] as string] : get(fields));
      if (value === "") continue;
      out = out === "" ? value : out + separator + value;
    }
    return out;
  };
}

/** A source with its transforms, as one getter. */
export function compileSource(spec: SourceSpec, path: YamlPath, ctx: CompileContext): Getter {
  const read = compileRead(spec, path, ctx);
  const transform = compileTransforms(spec.transform, [...path, "transform"], ctx);
  if (!transform) return read;
  return (fields) => transform(read(fields));
}

/** The source without its transforms. */
export function compileRead(spec: SourceSpec, path: YamlPath, ctx: CompileContext): Getter {
  if (spec.from) return compileColumns(spec.from, [...path, "from"], ctx);
  if (spec.template !== undefined) return compileTemplate(spec.template, [...path, "template"], ctx);
  if (spec.concat) return compileConcat(spec.concat, spec.separator ?? " ", [...path, "concat"], ctx);
  return () => "";
}

/**
 * For formatting that wants the value as the source gave it (a number, a Date): the first non-empty column's
 * raw value. The columns were checked (and their paths compiled) by compileRead: a malformed path reads nothing.
 */
export function compileRawColumns(columns: readonly string[]): (fields: Fields) => unknown {
  const list = [...columns];
  const paths = list.map((column) => (isPlainName(column) ? undefined : safeGetter(column)));
  const count = list.length;
  return (fields) => {
    for (let i = 0; i < count; i++) {
      const get = paths[i];
      const value = get === undefined ? fields[list[i] as string] : get(fields);
      if (typeof value === "string" ? value.trim() !== "" : value !== null && value !== undefined) return value;
    }
    return undefined;
  };
}

/** Records the column; returns its getter when it is a path, undefined for a plain name (read directly). */
function pathGetter(column: string, path: YamlPath, ctx: CompileContext): FieldGetter | undefined {
  const get = ctx.field(column, path);
  return isPlainName(column) ? undefined : get;
}

/** One column as text: `fields[name]` for a plain name, as CSV and SQL columns have always been read. */
function textOf(column: string, get: FieldGetter | undefined): Getter {
  if (get === undefined) return (fields) => toText(fields[column]);
  return (fields) => toText(get(fields));
}

function safeGetter(column: string): FieldGetter {
  try {
    return compileFieldGetter(column);
  } catch {
    return () => undefined;
  }
}
