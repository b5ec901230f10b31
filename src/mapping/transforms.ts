// Text transforms (trim, title, replace, truncate...), compiled once into one function per list.
import type { CompileContext } from "./context.js";
import type { YamlPath } from "./locate.js";
import type { TransformSpec } from "./schema.js";

export type Transform = (text: string) => string;

const SPACE_RUNS = /\s+/g;
const NON_DIGITS = /\D+/g;
/** Title case works word by word; these characters start a new word ("d'angelo" -> "D'Angelo", "jean-luc"). */
const WORD_SPLIT = /([\s\-'’/(.]+)/;

/**
 * Compiles a transform list into one function, or undefined for an empty list (so the caller skips
 * the call). Bad regexes are reported on the context with their path.
 */
export function compileTransforms(specs: readonly TransformSpec[] | undefined, path: YamlPath, ctx: CompileContext): Transform | undefined {
  if (!specs || specs.length === 0) return undefined;
  const steps: Transform[] = [];
  specs.forEach((spec, index) => {
    const step = compileOne(spec, [...path, index], ctx);
    if (step) steps.push(step);
  });
  if (steps.length === 0) return undefined;
  if (steps.length === 1) return steps[0];
  return (text) => {
    let out = text;
    for (const step of steps) out = step(out);
    return out;
  };
}

function compileOne(spec: TransformSpec, path: YamlPath, ctx: CompileContext): Transform | undefined {
  if (spec.trim) return (text) => text.trim();
  if (spec.upper) return (text) => text.toUpperCase();
  if (spec.lower) return (text) => text.toLowerCase();
  if (spec.title) return titleCase;
  if (spec.collapse) return (text) => text.replace(SPACE_RUNS, " ").trim();
  if (spec.digits) return (text) => text.replace(NON_DIGITS, "");
  if (spec.default !== undefined) {
    const fallback = spec.default;
    return (text) => (text === "" ? fallback : text);
  }
  if (spec.truncate !== undefined) {
    const max = spec.truncate;
    // Counted in UTF-16 units, as the PBX contact's limits are (src/pbx/contact.ts), so `{ truncate: 255 }`
    // always fits; a cut that would split an emoji or a rare CJK character in half moves back one unit.
    return (text) => {
      if (text.length <= max) return text;
      const last = text.charCodeAt(max - 1);
      const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
      return text.slice(0, end).trimEnd();
    };
  }
  if (spec.prefix !== undefined) {
    const prefix = spec.prefix;
    return (text) => (text === "" ? text : prefix + text);
  }
  if (spec.suffix !== undefined) {
    const suffix = spec.suffix;
    return (text) => (text === "" ? text : text + suffix);
  }
  if (spec.replace) {
    const { pattern, with: replacement, flags } = spec.replace;
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, flags ?? "g");
    } catch (err) {
      ctx.problems.add([...path, "replace", "pattern"], `bad regular expression: ${(err as Error).message}`);
      return undefined;
    }
    return (text) => text.replace(regex, replacement);
  }
  return undefined;
}

/**
 * "mario ROSSI" -> "Mario Rossi", "d'angelo" -> "D'Angelo". A word that already mixes cases after its
 * first letter ("McDonald", "GmbH", "iPhone") was written that way on purpose and is kept as it is.
 */
export function titleCase(text: string): string {
  const parts = text.split(WORD_SPLIT);
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i] as string;
    if (word === "") continue;
    const rest = word.slice(1);
    if (rest !== rest.toLowerCase() && rest !== rest.toUpperCase()) continue;
    parts[i] = word.charAt(0).toUpperCase() + rest.toLowerCase();
  }
  return parts.join("");
}
