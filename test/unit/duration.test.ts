// Durations in the configuration: what parses, what is refused with the fix in the message, and the short form.
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/config/duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
    ["1h30m", 5_400_000],
    ["1h 30m", 5_400_000],
    ["1d2h3m4s5ms", 93_784_005],
    [" 45s ", 45_000],
    ["0s", 0],
  ])("reads %j as %i milliseconds", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("refuses a bare number, saying to add a unit", () => {
    expect(() => parseDuration("7")).toThrow('invalid duration "7": use a number and a unit, e.g. 30s, 15m, 1h, 7d');
  });

  it.each(["", "1.5h", "-1s", "5y", "h", "1 hour", "10M", "5msx", "1h1h"])("refuses %j with the fix in the message", (text) => {
    expect(() => parseDuration(text)).toThrow(/^invalid duration ".*".*: use a number and a unit, e.g. 30s, 15m, 1h, 7d$/);
  });

  it("refuses units out of order, naming the expected order", () => {
    expect(() => parseDuration("30m1h")).toThrow("give each unit once, largest first (1h30m)");
  });

  it("refuses a duration too long to count in milliseconds exactly", () => {
    expect(() => parseDuration("99999999999999999w")).toThrow("it is too long");
  });
});

describe("formatDuration", () => {
  it.each([
    [5_400_000, "1h 30m"],
    [604_800_000, "7d"],
    [1_209_600_000, "14d"],
    [500, "500ms"],
    [60_000, "1m"],
    [93_784_005, "1d 2h 3m 4s 5ms"],
    [0, "0s"],
  ])("prints %i ms as %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("prints what parseDuration reads back to the same value", () => {
    for (const ms of [1, 999, 61_000, 3_600_001, 90_061_000, 1_209_600_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
