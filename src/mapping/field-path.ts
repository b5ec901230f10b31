// Field paths in mapping rules (properties.firstname, phones[?label=work].value): parsed once into getters for nested records.
import { closest } from "./suggest.js";
import { toText, type Fields } from "./values.js";

/** Reads one value of a record: the raw value, undefined when a step of its path is missing. */
export type FieldGetter = (fields: Fields) => unknown;

type Segment = (
  | { kind: "key"; key: string }
  | { kind: "index"; index: number }
  | { kind: "filter"; keys: string[]; wanted: string }
  | { kind: "all" }
) & { start: number };

type Step = (value: unknown) => unknown;

// Not "[?key=value]": messages pass through redact(), which masks anything shaped like a ?key= query parameter.
const BRACKET_FORMS = 'write [0], [-1], [*], [?label=work] or ["key"]';
const INDEX = /^-?\d+$/;
/** A key holding one of these cannot be written after a dot: it is quoted in shapes. */
const NEEDS_QUOTES = /[.[\]]/;
const DEFAULT_SHAPE_LIMIT = 1000;
/** JSON from an API is never this deep; the bound keeps a self-referencing object from looping. */
const MAX_DEPTH = 32;

/** True for a name that is a plain column (no `.`, no `[`): read directly, as CSV and SQL columns are. */
export function isPlainName(name: string): boolean {
  return !name.includes(".") && !name.includes("[");
}

/**
 * The getter of a column name or field path. A plain name reads `fields[name]` directly. A path reads the
 * record's own field of exactly that name when it has one (a CSV header "Tel. ufficio"), and otherwise walks
 * the path through own properties only. Throws an Error naming the path and the fault when it is malformed.
 */
export function compileFieldGetter(name: string): FieldGetter {
  if (isPlainName(name)) return (fields) => fields[name];
  const walk = compileSteps(parsePath(name)) ?? ((value: unknown) => value);
  return (fields) => (Object.hasOwn(fields, name) ? fields[name] : walk(fields));
}

/** The path with every `[n]`, `[?...]` and `[*]` as `[]`, and quoted keys dotted unless they hold dots or brackets. */
export function shapeOf(path: string): string {
  if (isPlainName(path)) return path;
  return renderShape(parsePath(path));
}

/** The shape of one key on its own: itself, or `["key"]` when it holds dots or brackets. */
export function keyShape(key: string): string {
  return keyPart(key, true);
}

/**
 * The sorted shape paths of the leaves of a JSON value: `properties.firstname`, `phones[].value`, `tags[]` for
 * an array of scalars, its own path for an empty array or object and for null. An array at the top is a list
 * of records (a page), whose shapes are merged. At most `limit` paths are collected.
 */
export function shapesOf(record: unknown, limit = DEFAULT_SHAPE_LIMIT): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, path: string, depth: number): void => {
    if (found.size >= limit) return;
    if (Array.isArray(value)) {
      if (value.length === 0 || depth >= MAX_DEPTH) found.add(path);
      else for (const item of value) visit(item, `${path}[]`, depth + 1);
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0 || depth >= MAX_DEPTH) found.add(path);
      else for (const key of keys) visit(value[key], path + keyPart(key, path === ""), depth + 1);
    } else {
      found.add(path);
    }
  };
  if (Array.isArray(record)) for (const item of record) visit(item, "", 0);
  else visit(record, "", 0);
  found.delete("");
  return [...found].sort();
}

/**
 * "Did you mean" for a path among known shapes: when known paths share the name's parent, only the last step
 * is compared (`properties.fax` is not `properties.email`) and the answer keeps the name's own selectors
 * (`phones[?label=work].value`); otherwise the whole shape is compared.
 */
export function nearestPath(name: string, known: Iterable<string>): string | undefined {
  let segments: Segment[];
  try {
    segments = parsePath(name);
  } catch {
    return undefined;
  }
  const last = segments[segments.length - 1];
  const parent = renderShape(segments.slice(0, -1));
  if (last && parent !== "") {
    const rests = [...known].filter((column) => isUnder(column, parent)).map((column) => column.slice(parent.length));
    if (rests.length > 0) {
      const rest = closest(renderShape(segments).slice(parent.length), rests);
      return rest === undefined ? undefined : name.slice(0, last.start) + rest;
    }
  }
  return closest(renderShape(segments), known);
}

/** True when `column` is inside `shape` (a whole object or array): `phones[].value` is inside `phones`. */
export function isUnder(column: string, shape: string): boolean {
  if (column.length <= shape.length || !column.startsWith(shape)) return false;
  const next = column[shape.length];
  return next === "." || next === "[";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function renderShape(segments: readonly Segment[]): string {
  let out = "";
  for (const segment of segments) out += segment.kind === "key" ? keyPart(segment.key, out === "") : "[]";
  return out;
}

function keyPart(key: string, first: boolean): string {
  if (key === "" || NEEDS_QUOTES.test(key)) return `["${key.replace(/["\\]/g, "\\$&")}"]`;
  return first ? key : `.${key}`;
}

/** The steps as one function, built from the last: each calls the next; undefined when there are none. */
function compileSteps(segments: readonly Segment[]): Step | undefined {
  let next: Step | undefined;
  for (let i = segments.length - 1; i >= 0; i--) next = compileStep(segments[i] as Segment, next);
  return next;
}

function compileStep(segment: Segment, next: Step | undefined): Step {
  const then = (value: unknown): unknown => (value === undefined || next === undefined ? value : next(value));
  switch (segment.kind) {
    case "key": {
      const key = segment.key;
      return (value) => then(ownValue(value, key));
    }
    case "index": {
      const index = segment.index;
      return (value) => (Array.isArray(value) ? then(value[index < 0 ? value.length + index : index]) : undefined);
    }
    case "filter": {
      const { keys, wanted } = segment;
      return (value) => {
        if (!Array.isArray(value)) return undefined;
        for (const item of value) {
          let label: unknown = item;
          for (const key of keys) label = ownValue(label, key);
          if (toText(label).toLowerCase() === wanted) return then(item);
        }
        return undefined;
      };
    }
    case "all":
      return (value) => (Array.isArray(value) ? (next === undefined ? value : value.map(next)) : undefined);
  }
}

/** Own properties only: `constructor`, `__proto__` and `prototype` from the prototype chain are never reached. */
function ownValue(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Parses a path: a key or a bracket, then any number of `.key` and `[...]`. */
function parsePath(path: string): Segment[] {
  return new PathParser(path).parse();
}

class PathParser {
  private readonly segments: Segment[] = [];

  constructor(private readonly path: string) {}

  parse(): Segment[] {
    const path = this.path;
    let i = path.startsWith("[") ? this.bracket(0) : this.key(0);
    while (i < path.length) {
      const ch = path[i];
      if (ch === "[") i = this.bracket(i);
      else if (ch === ".") i = this.key(i + 1, i);
      else if (ch === "]") this.fail('"]" without "["', i);
      else this.fail('expected "." or "[" after "]"', i);
    }
    return this.segments;
  }

  private fail(what: string, at: number, hint?: string): never {
    throw new Error(`bad field path "${this.path}": ${what} at character ${at + 1}${hint === undefined ? "" : `; ${hint}`}`);
  }

  /** A bare key from `from` to the next `.` or `[`; `start` is where its segment begins (its dot). */
  private key(from: number, start = from): number {
    const path = this.path;
    let end = from;
    while (end < path.length && path[end] !== "." && path[end] !== "[") {
      if (path[end] === "]") this.fail('"]" without "["', end);
      end++;
    }
    if (end === from) this.fail("empty key", from, 'write ["..."] for a key with dots');
    this.segments.push({ kind: "key", key: path.slice(from, end), start });
    return end;
  }

  /** `[...]` at `start`; returns the index after its `]`. */
  private bracket(start: number): number {
    const path = this.path;
    let open = start + 1;
    while (path[open] === " ") open++;
    const first = path[open];
    if (first === undefined) this.fail('unbalanced "["', start);
    if (first === "]") this.fail('empty "[]"', start, BRACKET_FORMS);
    if (first === '"' || first === "'") {
      const { text, end } = this.quoted(open);
      this.segments.push({ kind: "key", key: text, start });
      return this.close(end, start);
    }
    if (first === "?") return this.filter(start, open);
    const end = path.indexOf("]", start + 1);
    if (end < 0) this.fail('unbalanced "["', start);
    const inner = path.slice(start + 1, end).trim();
    if (inner === "*") this.segments.push({ kind: "all", start });
    else if (INDEX.test(inner)) this.segments.push({ kind: "index", index: Number(inner), start });
    else this.fail(`"[${inner}]" is not an index`, start, BRACKET_FORMS);
    return end + 1;
  }

  /** `[?key=value]` or `[?a.b="value"]` (`?` at `mark`): the key is a simple key or a dotted path; the value is compared folded. */
  private filter(start: number, mark: number): number {
    const path = this.path;
    let eq = mark + 1;
    while (eq < path.length && path[eq] !== "=" && path[eq] !== "]") eq++;
    if (eq >= path.length) this.fail('unbalanced "["', start);
    if (path[eq] === "]") this.fail('a filter needs "="', start, "write [?label=work]");
    const keys = path.slice(mark + 1, eq).trim().split(".");
    if (keys.some((key) => key.trim() === "")) this.fail("empty key in the filter", start, "write [?label=work]");
    let valueStart = eq + 1;
    while (path[valueStart] === " ") valueStart++;
    let value: string;
    let end: number;
    if (path[valueStart] === '"' || path[valueStart] === "'") {
      const quoted = this.quoted(valueStart);
      value = quoted.text;
      end = this.close(quoted.end, start);
    } else {
      const close = path.indexOf("]", eq);
      if (close < 0) this.fail('unbalanced "["', start);
      value = path.slice(eq + 1, close);
      end = close + 1;
    }
    this.segments.push({ kind: "filter", keys: keys.map((key) => key.trim()), wanted: value.trim().toLowerCase(), start });
    return end;
  }

  /** A quoted text at `at` (its opening quote); a backslash escapes the next character. */
  private quoted(at: number): { text: string; end: number } {
    const path = this.path;
    const quote = path[at];
    let text = "";
    for (let i = at + 1; i < path.length; i++) {
      const ch = path[i] as string;
      if (ch === "\\" && i + 1 < path.length) text += path[++i];
      else if (ch === quote) return { text, end: i + 1 };
      else text += ch;
    }
    return this.fail(`unclosed ${quote === '"' ? "double" : "single"} quote`, at);
  }

  /** The `]` after a quoted text, spaces allowed before it. */
  private close(at: number, start: number): number {
    let i = at;
    while (this.path[i] === " ") i++;
    if (this.path[i] === undefined) this.fail('unbalanced "["', start);
    if (this.path[i] !== "]") this.fail('expected "]" after the quoted text', i);
    return i + 1;
  }
}
