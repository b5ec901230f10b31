// Local skip rules: conditions on source fields (or "no number" / "no name"), first match wins, with a reason.
import type { CompileContext } from "./context.js";
import type { FieldConditionSpec, SkipRuleSpec } from "./schema.js";
import { compileColumns } from "./template.js";
import type { Fields } from "./values.js";

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
 * status. `matches` is a regular expression (compiled here, once) for anything stricter.
 */
function compileCondition(when: FieldConditionSpec, path: (string | number)[], ctx: CompileContext): ((fields: Fields) => boolean) | undefined {
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

/** The reason a rule without one gives: it names the field and the test. */
function describeCondition(when: FieldConditionSpec): string {
  const field = `"${when.field}"`;
  if (when.equals !== undefined) return `${field} is "${when.equals}"`;
  if (when.in !== undefined) return `${field} is one of ${when.in.map((v) => `"${v}"`).join(", ")}`;
  if (when.empty !== undefined) return when.empty ? `${field} is empty` : `${field} is not empty`;
  return `${field} matches /${when.matches ?? ""}/${when.flags ?? ""}`;
}
