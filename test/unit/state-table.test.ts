// The run's in-memory state table: every id of the state found with its source fingerprint, nothing else, at ~21 bytes a contact.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hash64, hex64, hexHalf, idFingerprint } from "../../src/sync/fingerprint.js";
import { SeenIds } from "../../src/sync/seen-ids.js";
import { StateTable } from "../../src/sync/state-table.js";

describe("StateTable", () => {
  it("finds every id it was given with its fingerprint, and no other id, whether sized ahead or grown", () => {
    for (const expected of [0, 50_000]) {
      const table = new StateTable(expected);
      for (let i = 0; i < 50_000; i++) table.add(`C-${i}`, hex64(hash64(`record ${i}`)));
      expect(table.size).toBe(50_000);
      // Counted, then asserted once: 150,000 expect() calls would be most of the test's time.
      const wrong: string[] = [];
      for (let i = 0; i < 50_000; i++) {
        const slot = table.slotOf(`C-${i}`);
        if (slot < 0) wrong.push(`C-${i} not found`);
        else if (!table.matches(slot, hash64(`record ${i}`)) || table.matches(slot, hash64(`record ${i + 1}`))) wrong.push(`C-${i} matched wrongly`);
      }
      for (let i = 50_000; i < 60_000; i++) if (table.slotOf(`C-${i}`) !== -1) wrong.push(`C-${i} found`);
      expect(wrong).toEqual([]);
      expect(table.slotOf("")).toBe(-1);
    }
  });

  it("holds at most 24 bytes per contact once sized for them", () => {
    const table = new StateTable(1_000_000);
    expect(table.bytes / 1_000_000).toBeLessThanOrEqual(24);
    const grown = new StateTable();
    for (let i = 0; i < 100_000; i++) grown.add(String(i), "0000000000000001");
    // Grown by half each time: just after a growth, 2 slots of 16 bytes per contact.
    expect(grown.bytes / 100_000).toBeLessThanOrEqual(33);
  });

  it("never takes a hash of an older form (a SHA-1) for a match, so the record is mapped again", () => {
    const table = new StateTable(4);
    table.add("a", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    table.add("b", "not a hash");
    const a = table.slotOf("a");
    expect(a).toBeGreaterThanOrEqual(0);
    expect(table.matches(a, 0n)).toBe(false);
    expect(table.matches(a, BigInt("0xda39a3ee5e6b4b0d"))).toBe(false);
    expect(table.matches(table.slotOf("b"), 0n)).toBe(false);
  });

  it("keeps the last hash given for an id", () => {
    const table = new StateTable(2);
    table.add("x", hex64(1n));
    table.add("x", hex64(2n));
    expect(table.size).toBe(1);
    expect(table.matches(table.slotOf("x"), 2n)).toBe(true);
    expect(table.matches(table.slotOf("x"), 1n)).toBe(false);
  });

  it("agrees with a Map on any ids and hashes (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: "grapheme", maxLength: 12 }), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n })), { maxLength: 300 }), fc.array(fc.string(), { maxLength: 30 }), (entries, probes) => {
        const table = new StateTable(entries.length % 7);
        const map = new Map<string, bigint>();
        for (const [id, value] of entries) {
          table.add(id, hex64(value));
          map.set(id, value);
        }
        expect(table.size).toBe(map.size);
        for (const [id, value] of map) expect(table.matches(table.slotOf(id), value)).toBe(true);
        for (const probe of probes) expect(table.slotOf(probe) >= 0).toBe(map.has(probe));
      }),
    );
  });

  it("writes fingerprints as 16 hex digits and reads them back by halves", () => {
    expect(hex64(1n)).toBe("0000000000000001");
    const all = hex64(2n ** 64n - 1n);
    expect([hexHalf(all, 0), hexHalf(all, 8)]).toEqual([0xffffffff, 0xffffffff]);
    expect([hexHalf("0123456789abcdef", 0), hexHalf("0123456789abcdef", 8)]).toEqual([0x01234567, 0x89abcdef]);
    for (const bad of ["ABCDEF0123456789", "0123456g89abcdef", "01234567", "0123 567"]) expect(hexHalf(bad, 0) === -1 || hexHalf(bad, 8) === -1).toBe(true);
  });

  it("never matches a fingerprint of 0 (it marks a hash of an older form)", () => {
    const table = new StateTable(1);
    table.add("z", hex64(0n));
    expect(table.matches(table.slotOf("z"), 0n)).toBe(false);
  });
});

describe("SeenIds", () => {
  it("keeps ids of the state as bits of their table slots and others in a set, and tells each apart", () => {
    const table = new StateTable(1000);
    for (let i = 0; i < 1000; i++) table.add(`S${i}`, hex64(BigInt(i + 1)));
    table.freeze();
    expect(() => table.add("late", hex64(1n))).toThrow(/after freeze/);
    const seen = new SeenIds();
    seen.attach(table);
    for (let i = 0; i < 1000; i += 2) expect(seen.add(`S${i}`)).toBe(true);
    for (let i = 0; i < 50; i++) expect(seen.add(`new-${i}`)).toBe(true);
    expect(seen.add("S0")).toBe(false);
    expect(seen.add("new-0")).toBe(false);
    expect(seen.size).toBe(550);
    for (let i = 0; i < 1000; i++) expect(seen.has(`S${i}`)).toBe(i % 2 === 0);
    expect(seen.has("new-49")).toBe(true);
    expect(seen.has("new-50")).toBe(false);
    const [high, low] = idFingerprint("S3");
    const slot = table.slotOf("S3");
    expect(seen.hasAt(slot, high, low)).toBe(false);
    expect(seen.addAt(slot, high, low)).toBe(true);
    expect(seen.has("S3")).toBe(true);
    expect(() => seen.attach(table)).toThrow(/after ids were added/);
  });

  it("works without a table, every id in the set", () => {
    const seen = new SeenIds();
    expect(seen.add("a")).toBe(true);
    expect(seen.add("a")).toBe(false);
    expect(seen.has("b")).toBe(false);
  });
});
