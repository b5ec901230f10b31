// The header row of a CSV file: its line break, the delimiter sniffed from it, and unique column names.

export const CSV_DELIMITERS = [",", ";", "\t", "|"] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];
export type CsvNewline = "\n" | "\r\n" | "\r";

/**
 * Tie order for delimiter sniffing: a tab is almost never part of a column name, and Excel in locales with
 * a decimal comma (Italian, German, French) saves "CSV" with semicolons while names like "Phone, office"
 * hold commas; the pipe is the rarest delimiter of all.
 */
const TIE_ORDER: readonly CsvDelimiter[] = ["\t", ";", ",", "|"];

export interface HeaderLine {
  /** The header line without its line break. */
  text: string;
  newline: CsvNewline;
}

/**
 * Finds the first non-blank line of `text`, reading quoted fields whole (a quoted name may hold a line
 * break). Returns undefined while more text is needed to see where the line ends.
 */
export function findHeaderLine(text: string, quote: string, atEnd: boolean): HeaderLine | undefined {
  let start = 0;
  while (start < text.length && (text[start] === "\n" || text[start] === "\r")) start++;
  if (start === text.length && !atEnd) return undefined;
  let inQuotes = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === quote) inQuotes = !inQuotes;
    else if (!inQuotes && ch === "\n") return { text: text.slice(start, i), newline: "\n" };
    else if (!inQuotes && ch === "\r") {
      // "\r" as the last character could still be the first half of "\r\n".
      if (i + 1 === text.length && !atEnd) return undefined;
      return { text: text.slice(start, i), newline: text[i + 1] === "\n" ? "\r\n" : "\r" };
    }
  }
  return atEnd ? { text: text.slice(start), newline: "\n" } : undefined;
}

/**
 * The delimiter of a header line: the candidate that occurs most often outside quotes, ties broken by
 * TIE_ORDER. A line with none of them is a one-column file; "," is as good as any there.
 */
export function sniffDelimiter(headerLine: string, quote: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (const ch of headerLine) {
    if (ch === quote) inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch as CsvDelimiter)) counts.set(ch as CsvDelimiter, (counts.get(ch as CsvDelimiter) ?? 0) + 1);
  }
  let best: CsvDelimiter = ",";
  let bestCount = 0;
  for (const candidate of TIE_ORDER) {
    const count = counts.get(candidate) ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

export interface ColumnNames {
  names: string[];
  /** One sentence per name that had to change (empty or repeated), for a warning in the log. */
  renamed: string[];
}

/**
 * Column names from the header row: trimmed (a stray BOM is whitespace to `trim`), an empty name becomes
 * `column_N` (N counts from 1), a repeated one gets `_2`, `_3`... so that no value is silently overwritten.
 */
export function columnNames(raw: readonly string[], trim: boolean): ColumnNames {
  const names: string[] = [];
  const renamed: string[] = [];
  const taken = new Set<string>();
  const base = raw.map((name, i) => {
    const cleaned = trim ? name.trim() : name.replace(/^\uFEFF/, "");
    return cleaned === "" ? `column_${i + 1}` : cleaned;
  });
  // Names as written are reserved first, so a later "phone" never takes a suffix-free name from an explicit one.
  for (const name of base) taken.add(name);
  const seen = new Set<string>();
  base.forEach((name, i) => {
    const original = raw[i] ?? "";
    if ((trim ? original.trim() : original) === "") renamed.push(`column ${i + 1} has no name: it is read as "${name}"`);
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
      return;
    }
    let n = 2;
    while (taken.has(`${name}_${n}`)) n++;
    const unique = `${name}_${n}`;
    taken.add(unique);
    names.push(unique);
    renamed.push(`column ${i + 1} repeats the name "${name}": it is read as "${unique}"`);
  });
  return { names, renamed };
}
