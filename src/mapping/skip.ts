// Local skip rules: conditions on source fields (or "no number" / "no name"), first match wins, with a reason.
import type { CompileContext } from "./context.js";
import type { FieldConditionSpec, SkipRuleSpec } from "./schema.js";
import { compileColumns, compileRawColumns } from "./template.js";
import { toText, type Fields } from "./values.js";

/** What a rule looks at besides the raw fields; computed lazily by the caller. */
export interface BuiltContact {
  hasNumber(): boolean;
  hasName(): boolean;
}

export type SkipRule =
  | { kind: "field"; test: (fields: Fields) => boolean; reason: string }
  | { kind: "noNumber" | "noName"; reason: string };

export function compileSkipRules(rules: readonly SkipRuleSpec[], ctx: CompileContext): SkipRule[] {
  const out: SkipRule[] = [];
  rules.forEach((rule, index) => {
    const path = ["skip", index, "when"];
    if (rule.when === "noNumber") out.push({ kind: "noNumber", reason: rule.reason ?? "no phone number" });
    else if (rule.when === "noName") out.push({ kind: "noName", reason: rule.reason ?? "no name, surname or company" });
    else {
      const test = compileCondition(rule.when, path, ctx);
      if (test) out.push({ kind: "field", test, reason: rule.reason ?? describeCondition(rule.when) });
    }
  });
  return out;
}

/** The reason of the first rule that matches, or undefined. */
export function firstSkip(rules: readonly SkipRule[], fields: Fields, built: BuiltContact): string | undefined {
  for (const rule of rules) {
    if (rule.kind === "field" ? rule.test(fields) : rule.kind === "noNumber" ? !built.hasNumber() : !built.hasName()) return rule.reason;
  }
  return undefined;
}

/**
 * Comparisons trim and ignore case: CRM exports write "Inactive", "INACTIVE " and "inactive" for one
 * status. `matches` is a regular expression (compiled here, once) for anything stricter. `not` inverts the test.
 */
function compileCondition(when: FieldConditionSpec, path: (string | number)[], ctx: CompileContext): ((fields: Fields) => boolean) | undefined {
  const test = compileTest(when, path, ctx);
  if (!test || when.not !== true) return test;
  return (fields) => !test(fields);
}

function compileTest(when: FieldConditionSpec, path: (string | number)[], ctx: CompileContext): ((fields: Fields) => boolean) | undefined {
  const value = compileColumns([when.field], [...path, "field"], ctx);
  if (when.equals !== undefined) {
    const wanted = when.equals.trim().toLowerCase();
    return (fields) => value(fields).toLowerCase() === wanted;
  }
  if (when.in !== undefined) {
    const wanted = new Set(when.in.map((v) => v.trim().toLowerCase()));
    return (fields) => wanted.has(value(fields).toLowerCase());
  }
  if (when.empty !== undefined) {
    const empty = when.empty;
    return (fields) => (value(fields) === "") === empty;
  }
  if (when.includes !== undefined) {
    const wanted = when.includes.trim().toLowerCase();
    const raw = compileRawColumns([when.field]);
    return (fields) => listItems(raw(fields)).some((item) => item.toLowerCase() === wanted);
  }
  if (when.matches !== undefined) {
    let regex: RegExp;
    try {
      regex = new RegExp(when.matches, when.flags ?? "");
    } catch (err) {
      ctx.problems.add([...path, "matches"], `bad regular expression: ${(err as Error).message}`);
      return undefined;
    }
    return (fields) => regex.test(value(fields));
  }
  return undefined;
}

/** Lists from an API nest a level or two; deeper ones read as their text. */
const MAX_LIST_DEPTH = 8;

/**
 * A value read as a list: an array's items (`categories`, `categories[*]`; lists in lists flattened), or a
 * text's comma-separated parts ("Customers, VIP" from a CSV column); each trimmed, empty ones left out. An
 * array's item is one item even with a comma in it ("Rossi, Bianchi & Co.").
 */
function listItems(value: unknown): string[] {
  if (!Array.isArray(value)) return splitText(toText(value));
  const items: string[] = [];
  const visit = (list: readonly unknown[], depth: number): void => {
    for (const item of list) {
      if (Array.isArray(item) && depth < MAX_LIST_DEPTH) visit(item, depth + 1);
      else {
        const text = toText(item);
        if (text !== "") items.push(text);
      }
    }
  };
  visit(value, 1);
  return items;
}

function splitText(text: string): string[] {
  if (text === "") return [];
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The reason a rule without one gives: it names the field and the test (and says "not" when inverted). */
function describeCondition(when: FieldConditionSpec): string {
  const field = `"${when.field}"`;
  const not = when.not === true;
  if (when.equals !== undefined) return `${field} is ${not ? "not " : ""}"${when.equals}"`;
  if (when.in !== undefined) return `${field} is ${not ? "none" : "one"} of ${when.in.map((v) => `"${v}"`).join(", ")}`;
  if (when.empty !== undefined) return when.empty !== not ? `${field} is empty` : `${field} is not empty`;
  if (when.includes !== undefined) return `${field} ${not ? "does not include" : "includes"} "${when.includes}"`;
  return `${field} ${not ? "does not match" : "matches"} /${when.matches ?? ""}/${when.flags ?? ""}`;
}
