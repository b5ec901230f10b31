// Duplicate keys of a YAML document, found in one pass: the yaml library's own check compares every key of a
// map with every other (a map of 40,000 keys held the process for minutes), so it is turned off and this runs.
import { isMap, isScalar, visit, type Document, type LineCounter } from "yaml";

export interface DuplicateKey {
  line: number;
  message: string;
}

/** Every key written twice in one map, at the line of its second use, naming the line of its first. */
export function duplicateKeys(doc: Document, lineCounter: LineCounter): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        const key = pair.key;
        // Complex keys (maps or sequences as keys) never occur in our files; only scalar keys are compared.
        if (!isScalar(key)) continue;
        const name = String(key.value);
        const line = lineOf(key.range?.[0]);
        const first = seen.get(name);
        if (first === undefined) seen.set(name, line);
        else found.push({ line, message: `Map keys must be unique: "${name}" is already on line ${first}` });
      }
    },
  });
  return found;
}
