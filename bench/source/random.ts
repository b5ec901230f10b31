// Deterministic pseudo-randomness by position: row i of a source is the same whatever was generated before it.

/** A well-mixed 32-bit value for (row, salt): murmur3's finalizer over both. */
export function hash32(row: number, salt: number): number {
  let h = Math.imul(row ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b) ^ salt;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One draw for a row: every attribute asks with its own salt, so attributes do not move together. */
export class Draw {
  constructor(private readonly row: number) {}

  /** A whole number in 0..size-1. */
  int(salt: number, size: number): number {
    return hash32(this.row, salt) % size;
  }

  /** True with the given probability (0..1). */
  chance(salt: number, probability: number): boolean {
    return hash32(this.row, salt) / 0x1_0000_0000 < probability;
  }

  pick<T>(salt: number, items: readonly T[]): T {
    const item = items[this.int(salt, items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** `count` decimal digits (leading zeros allowed). */
  digits(salt: number, count: number): string {
    let text = "";
    for (let k = 0; text.length < count; k++) text += String(hash32(this.row, salt * 31 + k)).padStart(10, "0").slice(1);
    return text.slice(0, count);
  }
}
