// A parsed YAML document as plain data, for mappings and configurations alike: an alias bomb or an alias naming
// no anchor is a problem at its line, never an exception out of the yaml library.
import { visit, type Document, type LineCounter } from "yaml";

/**
 * Alias uses allowed (the yaml library's measure: uses of an anchor times the aliases inside it): enough for
 * shared lists and settings, far too few for an alias bomb, whose expansion grows with it.
 */
export const MAX_ALIAS_COUNT = 100;

export interface YamlDataProblem {
  line: number;
  message: string;
}

export type YamlData = { ok: true; value: unknown } | { ok: false; problem: YamlDataProblem };

/** The document as plain data, or why its aliases cannot be expanded, at the line of the alias to blame. */
export function yamlData(doc: Document, lineCounter: LineCounter): YamlData {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    return { ok: false, problem: aliasProblem(doc, lineCounter, err) };
  }
}

function aliasProblem(doc: Document, lineCounter: LineCounter, err: unknown): YamlDataProblem {
  const message = err instanceof Error ? err.message : String(err);
  // The first alias that does not resolve is the culprit; when all resolve, they expand too far: the first one is named.
  let first: { line: number; name: string } | undefined;
  let unresolved: { line: number; name: string } | undefined;
  visit(doc, {
    Alias(_key, alias) {
      const at = { line: alias.range ? lineCounter.linePos(alias.range[0]).line : 1, name: alias.source };
      first ??= at;
      if (alias.resolve(doc) !== undefined) return undefined;
      unresolved = at;
      return visit.BREAK;
    },
  });
  if (!first) return { line: 1, message: `YAML that cannot be read: ${message}` };
  if (unresolved && /unresolved alias/i.test(message)) {
    return { line: unresolved.line, message: `YAML alias *${unresolved.name} names no anchor (&${unresolved.name}) set before it` };
  }
  return {
    line: first.line,
    message: `YAML aliases expand too far (from *${first.name} on): more than ${MAX_ALIAS_COUNT} alias uses, or aliases of aliases (an "alias bomb")`,
  };
}
