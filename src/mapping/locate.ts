// Finds the line of a YAML path (fields.name.transform[1]) in a mapping file, for error messages.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";

export type YamlPath = readonly PropertyKey[];

/** `fields.name.transform[1]`: the path as a reader finds it in the file. */
export function formatPath(path: YamlPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const key = String(part);
      const plain = /^[A-Za-z_][\w-]*$/.test(key);
      out += plain ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || "(top)";
}

/** Answers "which line is this path on?" for one parsed text. */
export class YamlLocator {
  private readonly lines = new LineCounter();
  private readonly doc: Document;

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
  }

  /**
   * The line of the deepest node on `path` that exists; with `key`, the line of that key inside the map
   * at `path` (an unknown key). Falls back to line 1 when nothing on the path is in the file.
   */
  line(path: YamlPath, key?: string): number {
    let node: unknown = this.doc.contents;
    let offset = nodeStart(node) ?? 0;
    const steps: PropertyKey[] = key === undefined ? [...path] : [...path, key];
    for (const step of steps) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
        if (!pair) break;
        // A key with no value (`name:`) has no value node: its key is the best place to point at.
        offset = nodeStart(pair.value) ?? nodeStart(pair.key) ?? offset;
        if (key !== undefined && step === key && steps[steps.length - 1] === step) offset = nodeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof step === "number") {
        const item = node.items[step];
        if (item === undefined) break;
        offset = nodeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset).line;
  }
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
