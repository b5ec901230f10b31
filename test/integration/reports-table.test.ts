// The plain-text table renderer the reports (and later other commands) print with.
import { describe, expect, it } from "vitest";
import { formatDuration, formatLocalTime, renderTable, terminalWidth } from "../../src/cli/table.js";

describe("renderTable", () => {
  it("aligns text left and numbers right, header and rule included", () => {
    const text = renderTable([{ header: "name" }, { header: "count" }, { header: "note" }], [
      ["Anders", "7", "ok"],
      ["Ñandú Zoë", "1,234", ""],
    ], { width: null });
    expect(text).toBe(["name       count  note", "---------  -----  ----", "Anders         7  ok", "Ñandú Zoë  1,234", ""].join("\n"));
  });

  it("cuts cells longer than a column's maxWidth with …, counting characters not bytes", () => {
    const text = renderTable([{ header: "info", maxWidth: 8 }, { header: "n", align: "right" }], [["😀😀😀😀😀😀😀😀😀😀", "1"], ["short", "22"]], { width: null });
    expect(text.split("\n")).toEqual(["info       n", "--------  --", "😀😀😀😀😀😀😀…   1", "short     22", ""]);
  });

  it("keeps every row on one line: line breaks and control characters become visible or blank", () => {
    const text = renderTable([{ header: "a" }, { header: "b" }], [["one\ntwo", "x\ty"]], { width: null });
    expect(text.split("\n")[2]).toBe("one ⏎ two  x y");
  });

  it("fits a width by narrowing the widest text column first, down to its minWidth", () => {
    const rows = [["a".repeat(30), "b".repeat(10), "12345"]];
    const columns = [{ header: "long" }, { header: "mid", minWidth: 10 }, { header: "num" }];
    const text = renderTable(columns, rows, { width: 30 });
    const lines = text.trimEnd().split("\n");
    // 30 + 10 + 5 + two gaps = 49: the long column gives all 19 characters, ending 11 wide
    expect(lines[2]).toBe(`${"a".repeat(10)}…  ${"b".repeat(10)}  12345`);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    // narrower than the floors allow: the table stays as narrow as it can, numbers whole
    const tight = renderTable(columns, rows, { width: 10 }).split("\n")[2] ?? "";
    expect(tight).toBe(`${"a".repeat(7)}…  ${"b".repeat(10)}  12345`);
  });

  it("renders a header and rule for no rows, and missing cells as blanks", () => {
    expect(renderTable([{ header: "x" }, { header: "y" }], [], { width: null })).toBe("x  y\n-  -\n");
    expect(renderTable([{ header: "x" }, { header: "y" }], [["1"]], { width: null })).toBe("x  y\n-  -\n1\n");
  });

  it("takes the width of a terminal only, never of a pipe", () => {
    expect(terminalWidth({ isTTY: true, columns: 120 })).toBe(120);
    expect(terminalWidth({ isTTY: false, columns: 120 })).toBeUndefined();
    expect(terminalWidth({})).toBeUndefined();
  });
});

describe("time formats", () => {
  it("prints durations in seconds, minutes or hours", () => {
    expect(formatDuration(400)).toBe("0.4s");
    expect(formatDuration(59_949)).toBe("59.9s");
    expect(formatDuration(59_950)).toBe("1m 00s");
    expect(formatDuration(245_000)).toBe("4m 05s");
    expect(formatDuration(3_725_000)).toBe("1h 02m");
  });

  it("prints a local time as YYYY-MM-DD HH:MM:SS", () => {
    const date = new Date(2025, 0, 5, 7, 8, 9);
    expect(formatLocalTime(date)).toBe("2025-01-05 07:08:09");
  });
});
