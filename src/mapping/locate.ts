// Finds the line of a YAML path (fields.name.transform[1]) in a mapping or configuration file, for error messages.
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

  /** The line of `path` (with `key`, of that unknown key in the map at `path`), as lineOfPath finds it; else 1. */
  line(path: YamlPath, key?: string): number {
    return lineOfPath(this.doc, this.lines, key === undefined ? path : [...path, key]) ?? 1;
  }
}

/**
 * The line of the deepest key on `path` that is in the document: the key itself when it is there (a bad value,
 * an unknown key), else its parent's key (a key left out), or the list item's first line. A map's key line, not
 * its value's: a block value starts on the line after. undefined for an empty document.
 */
export function lineOfPath(doc: Document, lines: LineCounter, path: YamlPath): number | undefined {
  let node: unknown = doc.contents;
  let offset = nodeStart(node);
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
      if (!pair) break;
      offset = nodeStart(pair.key) ?? nodeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      const item: unknown = node.items[step];
      if (item === undefined) break;
      offset = nodeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
