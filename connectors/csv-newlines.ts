// Row ends of any style in one file: "\r\n", "\n" and a lone "\r" outside quotes become the one "\n" papaparse splits on.

/** Text for papaparse, and how to find the reader's offsets in it. */
export interface RowEndText {
  /** The text with every row end outside quotes written "\n"; quoted values are left exactly as they are. */
  text: string;
  /** The line break papaparse is to split `text` on. */
  newline: "\n" | "\r\n" | "\r";
  /** Positions in `text` of the "\n"s whose "\r" was dropped (each a "\r\n" row end), ascending. */
  dropped: number[];
}

/**
 * Rewrites the row ends of `text`, which starts at a row boundary, so that one newline splits all of them.
 * papaparse splits on a single newline string, so a file whose rows end in "\r\n", "\n" and "\r" by turns
 * (files pasted together, or edited on two systems) would otherwise come out as a few long broken rows.
 * A text with one style only is handed on unchanged with that style, which is the common case and costs a
 * few native searches. Otherwise the quotes are followed as papaparse follows them (a quote opens a value
 * only at a field's start; "" inside one is a quote; a quote closes it only before a delimiter or a line
 * end, blanks between allowed), so the line breaks inside quoted values are kept as they are.
 * A "\r" at the very end of an unfinished text is left alone: the next chunk may bring its "\n".
 */
export function normalizeRowEnds(text: string, quote: string, delimiter: string, final: boolean): RowEndText {
  const uniform = uniformNewline(text, final);
  if (uniform) return { text, newline: uniform, dropped: [] };
  return new RowEndScanner(text, quote, delimiter, final).run();
}

/** The one line-break style of a text, or undefined when it mixes them (or ends in a "\r" that may be half of one). */
function uniformNewline(text: string, final: boolean): RowEndText["newline"] | undefined {
  const cr = count(text, "\r");
  if (cr === 0) return "\n";
  if (!final && text.endsWith("\r")) return undefined;
  const lf = count(text, "\n");
  if (lf === 0) return "\r";
  return cr === lf && count(text, "\r\n") === cr ? "\r\n" : undefined;
}

function count(text: string, search: string): number {
  let found = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + search.length)) found++;
  return found;
}

/** Maps an offset in the rewritten text back to the original one. */
export function originalOffset(rewritten: RowEndText, offset: number): number {
  const { dropped } = rewritten;
  // How many dropped "\r"s lie before the offset: each one moves it one character on in the original.
  let low = 0;
  let high = dropped.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((dropped[mid] ?? 0) < offset) low = mid + 1;
    else high = mid;
  }
  return offset + low;
}

/** One pass over a text with mixed row ends, field by field. */
class RowEndScanner {
  private readonly parts: string[] = [];
  private copied = 0;
  private readonly dropped: number[] = [];
  private readonly fieldEnd: RegExp;

  constructor(
    private readonly text: string,
    private readonly quote: string,
    private readonly delimiter: string,
    private readonly final: boolean,
  ) {
    this.fieldEnd = new RegExp(`[${escapeForClass(delimiter)}\\r\\n]`, "g");
  }

  run(): RowEndText {
    const { text } = this;
    // Each step reads one field from `at`, its start; it stops where the rest cannot be told yet.
    for (let at: number | undefined = 0; at !== undefined && at < text.length; ) {
      at = text[at] === this.quote ? this.afterQuoted(at) : this.afterUnquoted(at);
    }
    this.parts.push(text.slice(this.copied));
    return { text: this.parts.join(""), newline: "\n", dropped: this.dropped };
  }

  private afterUnquoted(start: number): number | undefined {
    this.fieldEnd.lastIndex = start;
    const end = this.fieldEnd.exec(this.text);
    if (!end) return undefined;
    return end[0] === this.delimiter ? end.index + 1 : this.rowEnd(end.index);
  }

  /** Past a quoted field: a quote closes it only before (blanks and) a delimiter or a line end, as in papaparse. */
  private afterQuoted(start: number): number | undefined {
    const { text, quote } = this;
    for (let search = start + 1; ; ) {
      const close = text.indexOf(quote, search);
      if (close === -1 || close === text.length - 1) return undefined;
      if (text[close + 1] === quote) {
        search = close + 2;
        continue;
      }
      let next = close + 1;
      while (next < text.length && isBlank(text[next] ?? "") && !this.endsField(text[next] ?? "")) next++;
      if (next === text.length) return undefined;
      const after = text[next] ?? "";
      if (after === this.delimiter) return next + 1;
      if (after === "\r" || after === "\n") return this.rowEnd(next);
      // A malformed closing quote: papaparse reads on to the next quote, and so do we.
      search = close + 1;
    }
  }

  private endsField(ch: string): boolean {
    return ch === this.delimiter || ch === "\r" || ch === "\n";
  }

  /** Writes the line break at `at` as "\n"; the start of the next row, or undefined for a "\r" that ends an unfinished text. */
  private rowEnd(at: number): number | undefined {
    const { text } = this;
    if (text[at] === "\n") return at + 1;
    if (at + 1 === text.length && !this.final) return undefined;
    this.parts.push(text.slice(this.copied, at));
    if (text[at + 1] === "\n") {
      // The "\n" kept lands where the "\r" was, less the "\r"s dropped before it.
      this.dropped.push(at - this.dropped.length);
      this.copied = at + 1;
      return at + 2;
    }
    this.parts.push("\n");
    this.copied = at + 1;
    return at + 1;
  }
}

/** papaparse's test for the blanks it allows between a closing quote and the delimiter or line end. */
function isBlank(ch: string): boolean {
  return ch.trim() === "";
}

function escapeForClass(ch: string): string {
  return ch === "\t" ? "\\t" : ch.replace(/[\\\]^-]/g, "\\$&");
}
