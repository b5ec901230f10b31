// A small plain-text table renderer for command output (aligned columns, numbers to the right, long cells cut
// with "…"), and the time and duration formats its cells show.

export interface TableColumn {
  header: string;
  /** Default: right when every non-empty cell of the column is a number, else left. */
  align?: "left" | "right";
  /** Cells longer than this are cut with "…". */
  maxWidth?: number;
  /** Narrowest this text column gets when the table must fit the width (default 8; numbers are never cut). */
  minWidth?: number;
}

export interface TableOptions {
  /**
   * Widest line allowed; text columns give way first, widest first. Default: the terminal's width when stdout is a
   * TTY, else no limit (a pipe or a file gets whole cells). `null` means no limit.
   */
  width?: number | null;
}

const GAP = "  ";
/** Narrowest a text column shrinks to when the table must fit a width. */
const MIN_WIDTH = 8;
const NUMBER = /^[-+]?\d[\d,.]*%?$/;

function length(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** One line per cell: line breaks and control characters would tear the table apart. */
function flatten(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n|\r|\n/g, " ⏎ ").replace(/[\u0000-\u001f\u007f]/g, " ");
}

/** Widest cell of column `i` (a loop, not a spread: a table may have more rows than a call has arguments). */
function widestCell(cells: readonly string[][], i: number): number {
  let widest = 0;
  for (const row of cells) widest = Math.max(widest, length(row[i] ?? ""));
  return widest;
}

function cut(text: string, width: number): string {
  if (length(text) <= width) return text;
  if (width <= 1) return "…".slice(0, width);
  return `${Array.from(text).slice(0, width - 1).join("")}…`;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - length(text)));
  return align === "right" ? fill + text : text + fill;
}

/** The width of the terminal stdout writes to, or undefined when it is not one. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}

/**
 * How narrow each column may get. A cut number would mislead, so right-aligned columns keep their widest cell
 * and at most lose the end of their header; text columns go down to their minWidth.
 */
function floors(columns: readonly TableColumn[], cells: readonly string[][], widths: readonly number[], aligns: readonly string[]): number[] {
  return columns.map((column, i) => {
    const width = widths[i] ?? 0;
    if (aligns[i] !== "right") return Math.min(width, column.minWidth ?? MIN_WIDTH);
    const widest = widestCell(cells, i);
    return Math.min(width, Math.max(widest, Math.min(length(column.header), 4)));
  });
}

/** Narrows columns until the lines fit `limit`: text columns first, widest first; a table that cannot fit stays wider. */
function shrink(widths: number[], floor: readonly number[], aligns: readonly string[], limit: number): void {
  let total = widths.reduce((sum, width) => sum + width, 0) + GAP.length * Math.max(0, widths.length - 1);
  for (const side of ["left", "right"]) {
    while (total > limit) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (aligns[i] !== side || (widths[i] ?? 0) <= (floor[i] ?? 0)) continue;
        if (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0)) widest = i;
      }
      if (widest < 0) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
      total--;
    }
  }
}

/** Renders a header line, a rule, and one line per row; every line ends with "\n". */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const cells = rows.map((row) => columns.map((_, i) => flatten(row[i] ?? "")));
  const aligns = columns.map((column, i) => {
    if (column.align) return column.align;
    const values = cells.map((row) => row[i] ?? "").filter((value) => value !== "");
    return values.length > 0 && values.every((value) => NUMBER.test(value)) ? "right" : "left";
  });
  const widths = columns.map((column, i) => {
    const widest = Math.max(length(column.header), widestCell(cells, i));
    return Math.min(widest, column.maxWidth ?? Number.POSITIVE_INFINITY);
  });

  const limit = options.width === undefined ? terminalWidth() : options.width ?? undefined;
  if (limit !== undefined) shrink(widths, floors(columns, cells, widths, aligns), aligns, limit);

  const line = (values: readonly string[]) =>
    `${values
      .map((value, i) => pad(cut(value, widths[i] ?? 0), widths[i] ?? 0, aligns[i] ?? "left"))
      .join(GAP)
      .trimEnd()}\n`;
  const header = line(columns.map((column) => column.header));
  const rule = `${widths.map((width) => "-".repeat(width)).join(GAP)}\n`;
  return header + rule + cells.map(line).join("");
}

const two = (n: number) => String(n).padStart(2, "0");

/** "2025-03-01 10:00:00" in the machine's time zone: what an admin compares with their clock. */
export function formatLocalTime(date: Date): string {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

export function formatDuration(ms: number): string {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${two(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${two(Math.floor((seconds % 3600) / 60))}m`;
}
