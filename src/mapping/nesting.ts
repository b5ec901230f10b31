// Records nested absurdly deep (10,000 levels, from a broken or hostile API): found without recursion, and
// serialized for a hash without the stack overflow JSON.stringify ends in.

/**
 * Deepest nesting a record may have. APIs nest a few levels (HubSpot, Graph and Salesforce stay under ten);
 * JSON.stringify overflows the stack from about 5,000 levels, less when it is called deep in the pipeline.
 */
export const MAX_NESTING = 256;

/** The first top-level field of a record nested deeper than `limit` levels (the field itself is level 1), if any. */
export function tooDeepField(fields: Readonly<Record<string, unknown>>, limit = MAX_NESTING): string | undefined {
  for (const key in fields) {
    const value = fields[key];
    // The common case, a flat record of text and numbers, costs one typeof per field.
    if (value !== null && typeof value === "object" && !isLeaf(value) && deeperThan(value, limit - 1)) return key;
  }
  return undefined;
}

/** Whether a value holds arrays or objects nested more than `levels` deep; walked with an explicit stack. */
function deeperThan(root: object, levels: number): boolean {
  const stack: { value: object; depth: number }[] = [{ value: root, depth: 1 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.depth > levels) return true;
    const children: unknown[] = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children) if (child !== null && typeof child === "object" && !isLeaf(child)) stack.push({ value: child, depth: top.depth + 1 });
  }
  return false;
}

/** Objects that serialize as one value (a SQL Date or Buffer), not as a tree. */
function isLeaf(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/**
 * JSON.stringify's text for a value, for hashing; for one too deep for JSON.stringify, an equivalent text
 * written with an explicit stack instead (same output for plain JSON data), so that no record stops a run.
 */
export function jsonForHash(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return walkJson(value);
  }
}

type Frame = { items: readonly unknown[]; next: number; close: "]" } | { entries: [string, unknown][]; next: number; close: "}" };

function walkJson(root: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const write = (value: unknown): void => {
    if (value === null || typeof value !== "object" || isLeaf(value)) out.push(JSON.stringify(value) ?? "null");
    else if (Array.isArray(value)) {
      out.push("[");
      stack.push({ items: value, next: 0, close: "]" });
    } else {
      out.push("{");
      // JSON.stringify leaves out what has no JSON form.
      const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function" && typeof v !== "symbol");
      stack.push({ entries, next: 0, close: "}" });
    }
  };
  write(root);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const length = "items" in frame ? frame.items.length : frame.entries.length;
    if (frame.next === length) {
      out.push(frame.close);
      stack.pop();
      continue;
    }
    if (frame.next > 0) out.push(",");
    const index = frame.next++;
    if ("items" in frame) write(frame.items[index]);
    else {
      const [key, value] = frame.entries[index] as [string, unknown];
      out.push(`${JSON.stringify(key)}:`);
      write(value);
    }
  }
  return out.join("");
}
