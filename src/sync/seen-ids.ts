// The external ids a run has seen: a bit per slot of the state table for ids the state holds, a fingerprint set for the rest.
import { idFingerprint } from "./fingerprint.js";
import { FingerprintSet } from "./seen-set.js";
import type { StateTable } from "./state-table.js";

/**
 * What must not be deleted at the end (ids seen), and what is a duplicate (seen before). A nightly run sees
 * mostly ids the state holds: those cost one bit each next to their slot of the state table (125 KB for a million)
 * instead of 16 bytes in a set of their own; only ids new to the state go into the fingerprint set.
 */
export class SeenIds {
  private table: StateTable | null = null;
  private bits = new Uint8Array(0);
  private readonly others = new FingerprintSet();
  private inTable = 0;

  /** Ids of the state are kept by slot from now on; call before the first add(), with the table as the read uses it. */
  attach(table: StateTable): void {
    if (this.size > 0) throw new Error("SeenIds.attach after ids were added");
    this.table = table;
    this.bits = new Uint8Array(Math.ceil(table.slots / 8));
  }

  get size(): number {
    return this.inTable + this.others.size;
  }

  /** Adds the id; false when it was seen already. */
  add(id: string): boolean {
    const [high, low] = idFingerprint(id);
    return this.addAt(this.slotOf(high, low), high, low);
  }

  /** Whether the id was added (a fingerprint shared by two ids, odds about n²/2⁶⁵, takes one for the other). */
  has(id: string): boolean {
    const [high, low] = idFingerprint(id);
    return this.hasAt(this.slotOf(high, low), high, low);
  }

  /** add() of an id whose fingerprint and state-table slot (-1: not in the state) the caller has already. */
  addAt(slot: number, high: number, low: number): boolean {
    if (slot < 0) return this.others.addFingerprint(high, low);
    const mask = 1 << (slot & 7);
    const byte = this.bits[slot >>> 3] as number;
    if ((byte & mask) !== 0) return false;
    this.bits[slot >>> 3] = byte | mask;
    this.inTable++;
    return true;
  }

  /** has() of an id whose fingerprint and state-table slot the caller has already. */
  hasAt(slot: number, high: number, low: number): boolean {
    if (slot < 0) return this.others.hasFingerprint(high, low);
    return ((this.bits[slot >>> 3] as number) & (1 << (slot & 7))) !== 0;
  }

  private slotOf(high: number, low: number): number {
    return this.table ? this.table.slotOfFingerprint(high, low) : -1;
  }
}
