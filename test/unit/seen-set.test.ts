// The fingerprint set behind duplicate detection and deletions: no false "seen" on a million realistic ids.
import { describe, expect, it } from "vitest";
import { FingerprintSet } from "../../src/sync/seen-set.js";

describe("FingerprintSet", () => {
  it("holds a million sequential ids without one collision, and knows none of a million others", () => {
    const set = new FingerprintSet();
    // Counted, not asserted one by one: a million expect() calls took most of this test's 17 s.
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) if (!set.add(String(i))) refused++;
    expect(refused).toBe(0);
    expect(set.size).toBe(1_000_000);
    let falsePositives = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (!set.has(String(i))) throw new Error(`lost ${i}`);
      if (set.has(`C-${i}`)) falsePositives++;
    }
    expect(falsePositives).toBe(0);
  });

  it("tells ids apart that differ in one character, in case or by a trailing space", () => {
    const set = new FingerprintSet(4);
    for (const id of ["ab", "ba", "Ab", "ab ", "a b", "", "é", "e\u0301"]) expect(set.add(id)).toBe(true);
    expect(set.add("ab")).toBe(false);
    expect(set.has("AB")).toBe(false);
  });
});
