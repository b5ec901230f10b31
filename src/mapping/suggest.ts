// "Did you mean ...?": the closest known name to a misspelt one, and where a key put at the wrong level belongs.
import type { z } from "zod";

/** The candidate closest to `name` (case and spacing aside first, then edit distance), if close enough. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = fold(name);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const folded = fold(candidate);
    if (folded === wanted) return candidate;
    const distance = editDistance(wanted, folded);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the name may differ: "titel" -> "title", "frist_name" -> "first_name", but not "x" -> "id".
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = closest(name, candidates);
  return match === undefined ? "" : ` (did you mean "${match}"?)`;
}

type Schema = z.core.$ZodType;
type Step = string | number;
/** A place in a schema: keys, with "[]" for any list item and "*" for any key of a record. */
type Place = readonly string[];

/**
 * The hint for an unknown key in the map at `path` of `schema`: the nearest key valid there; else where the key
 * belongs (`"name" belongs under fields:`); else the keys valid there. Empty when the schema says nothing.
 */
export function unknownKeyHint(key: string, path: readonly PropertyKey[], schema: Schema): string {
  const here = keysAt(schema, path);
  const near = closest(key, here);
  if (near !== undefined) return ` (did you mean "${near}"?)`;
  const places = rank(collapse(placesOf(schema, key)), path);
  const keysHere = here.length > 0 ? `keys here: ${here.join(", ")}` : "";
  if (places.length === 0) return keysHere && ` (${keysHere})`;
  const belongs = `"${key}" belongs ${describePlaces(places)}`;
  // A key that belongs deeper (a field's name at the top) needs no list; one from elsewhere (fields.field) does.
  const deeper = places.every((place) => isBelow(place, path));
  return deeper || !keysHere ? ` (${belongs})` : ` (${belongs}; ${keysHere})`;
}

/** The key an unknown one was most likely meant to be, among the keys valid at `path`. */
export function meantKey(key: string, path: readonly PropertyKey[], schema: Schema): string | undefined {
  return closest(key, keysAt(schema, path));
}

/** The keys a map at `path` may hold. */
export function keysAt(schema: Schema, path: readonly PropertyKey[]): string[] {
  let nodes = cores(schema);
  for (const step of path) nodes = nodes.flatMap((node) => childOf(node, step as Step)).flatMap(cores);
  const keys = new Set<string>();
  for (const node of nodes) if (node._zod.def.type === "object") for (const name of Object.keys(shapeOf(node))) keys.add(name);
  return [...keys];
}

/** Every place of the schema where a map may hold `key` (the places of its parent maps). */
export function placesOf(schema: Schema, key: string): Place[] {
  const found: Place[] = [];
  const seen = new Set<Schema>();
  const walk = (node: Schema, at: Place): void => {
    if (seen.has(node) || at.length > 8) return;
    seen.add(node);
    for (const core of cores(node)) {
      const def = core._zod.def;
      if (def.type === "object") {
        const shape = shapeOf(core);
        if (key in shape) found.push(at);
        for (const [name, child] of Object.entries(shape)) walk(child, [...at, name]);
      } else if (def.type === "array") walk((def as z.core.$ZodArrayDef).element, [...at, "[]"]);
      else if (def.type === "record") walk((def as z.core.$ZodRecordDef).valueType, [...at, "*"]);
    }
    seen.delete(node);
  };
  walk(schema, []);
  return found;
}

/** The schemas that hold the structure: wrappers (optional, default, pipes, unions) opened. */
function cores(schema: Schema): Schema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "catch":
    case "readonly":
      return cores(def["innerType"] as Schema);
    case "pipe":
      return [...cores(def["in"] as Schema), ...cores(def["out"] as Schema)];
    case "union":
      return (def["options"] as Schema[]).flatMap(cores);
    case "lazy":
      return cores((def["getter"] as () => Schema)());
    default:
      return [schema];
  }
}

function childOf(node: Schema, step: Step): Schema[] {
  const def = node._zod.def;
  if (def.type === "object" && typeof step === "string") {
    const child = shapeOf(node)[step];
    return child ? [child] : [];
  }
  if (def.type === "array" && typeof step === "number") return [(def as z.core.$ZodArrayDef).element];
  if (def.type === "record" && typeof step === "string") return [(def as z.core.$ZodRecordDef).valueType];
  return [];
}

function shapeOf(node: Schema): Record<string, Schema> {
  return (node._zod.def as z.core.$ZodObjectDef).shape as Record<string, Schema>;
}

/** Sibling places become one: fields.name, fields.surname, ... are fields.*. */
function collapse(places: readonly Place[]): Place[] {
  let out = [...places];
  for (;;) {
    const groups = new Map<string, { pattern: Place; members: Set<string> }>();
    for (const place of out) {
      place.forEach((step, i) => {
        // Siblings only: pbx.token and viewer.token stay two places.
        if (i === 0 || step === "[]" || step === "*") return;
        const pattern = place.map((s, j) => (j === i ? "*" : s));
        const id = pattern.join("\u0000");
        const group = groups.get(id) ?? { pattern, members: new Set<string>() };
        group.members.add(place.join("\u0000"));
        groups.set(id, group);
      });
    }
    const best = [...groups.values()].filter((g) => g.members.size > 1).sort((a, b) => b.members.size - a.members.size)[0];
    if (!best) break;
    // The pattern takes its first member's place: the schema's order is kept.
    let placed = false;
    out = out.flatMap((place) => {
      if (!best.members.has(place.join("\u0000"))) return [place];
      if (placed) return [];
      placed = true;
      return [best.pattern];
    });
  }
  const unique = new Map(out.map((place) => [place.join("\u0000"), place]));
  return [...unique.values()];
}

/** The places nearest the author's: those sharing most of `path` first; four at most. */
function rank(places: readonly Place[], path: readonly PropertyKey[]): Place[] {
  const wanted = path.map((step) => (typeof step === "number" ? "[]" : String(step)));
  const shared = (place: Place): number => {
    let n = 0;
    while (n < place.length && n < wanted.length && (place[n] === wanted[n] || place[n] === "*")) n++;
    return n;
  };
  // A stable sort: places sharing as much come in the schema's order (fields before extInfo).
  return [...places].sort((a, b) => shared(b) - shared(a)).slice(0, 4);
}

function isBelow(place: Place, path: readonly PropertyKey[]): boolean {
  return place.length > path.length && path.every((step, i) => place[i] === (typeof step === "number" ? "[]" : String(step)) || place[i] === "*");
}

/** `under fields:`, `under pbx: or viewer:`, `at the top level`. */
function describePlaces(places: readonly Place[]): string {
  const names = places.filter((place) => place.length > 0).map((place) => `${formatPlace(place)}:`);
  const list = names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1] ?? ""}`;
  const top = places.some((place) => place.length === 0);
  if (!list) return "at the top level";
  return top ? `at the top level or under ${list}` : `under ${list}`;
}

function formatPlace(place: Place): string {
  return place.reduce((out, step) => (step === "[]" ? `${out}[]` : out === "" ? step : `${out}.${step}`), "");
}

function fold(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, "");
}

/** Levenshtein distance with transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (d[(i - 2) * cols + j - 2] as number) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1] as number;
}
