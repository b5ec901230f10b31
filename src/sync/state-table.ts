// The job's contact state as one compact in-memory table for a run: id fingerprint -> source fingerprint, ~21 bytes per contact.
import { hexHalf, idFingerprint } from "./fingerprint.js";

/** Slots per contact: 0.75 full at most, so a probe ends within a few slots. */
const LOAD = 0.75;
const LOW = 0xffffffffn;

/**
 * Read once as a run starts, from the store (which stays the truth): a record whose source fingerprint equals the
 * one stored for its id is unchanged, with no query. Open addressing over typed arrays: 8 bytes of id fingerprint
 * and 8 of source fingerprint per slot, at most 4/3 slots per contact (about 21 bytes per contact; 21 MB for a
 * million). Two ids share a fingerprint with odds of about n²/2⁶⁵; such a pair would read each other's state.
 */
export class StateTable {
  private keys: Uint32Array;
  /** Source fingerprints as (high, low) halves; 0/0 for a stored hash of an older form, which matches nothing. */
  private values: Uint32Array;
  private capacity: number;
  private used = 0;
  private frozen = false;

  constructor(expected = 0) {
    this.capacity = capacityFor(expected);
    this.keys = new Uint32Array(this.capacity * 2);
    this.values = new Uint32Array(this.capacity * 2);
  }

  get size(): number {
    return this.used;
  }

  /** Slots in the table: a slot number is below it. Fixed once the table is read (frozen). */
  get slots(): number {
    return this.capacity;
  }

  /** No more adds: slots handed out (SeenIds keeps a bit per slot) stay where they are. */
  freeze(): void {
    this.frozen = true;
  }

  /** Bytes the table holds (its typed arrays). */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** Adds a contact of the state with its stored source hash (a later add of the same id overwrites). */
  add(externalId: string, sourceHash: string): void {
    if (this.frozen) throw new Error("StateTable.add after freeze");
    if ((this.used + 1) > this.capacity * LOAD) this.grow();
    const [high, low] = idFingerprint(externalId);
    // A SHA-1 written by an older version (40 digits) is no fingerprint: its record is mapped again, once.
    const valueHigh = sourceHash.length === 16 ? hexHalf(sourceHash, 0) : -1;
    const valueLow = valueHigh < 0 ? -1 : hexHalf(sourceHash, 8);
    if (valueLow < 0) this.put(high, low, 0, 0);
    else this.put(high, low, valueHigh, valueLow);
  }

  /** The slot of an id in the table, or -1 when the state does not hold it. */
  slotOf(externalId: string): number {
    const [high, low] = idFingerprint(externalId);
    return this.slotOfFingerprint(high, low);
  }

  /** slotOf() of an id whose fingerprint (idFingerprint) the caller already has. */
  slotOfFingerprint(high: number, low: number): number {
    const keys = this.keys;
    for (let slot = this.home(low); ; slot = slot + 1 === this.capacity ? 0 : slot + 1) {
      const h = keys[slot * 2];
      if (h === 0) return -1;
      if (h === high && keys[slot * 2 + 1] === low) return slot;
    }
  }

  /** Whether the state's source fingerprint at this slot is this one: the record is as the PBX last got it. */
  matches(slot: number, sourceFingerprint: bigint): boolean {
    const high = this.values[slot * 2];
    const low = this.values[slot * 2 + 1];
    // 0/0 stands for "not known": a record whose fingerprint is 0 (odds 2⁻⁶⁴) is only mapped again.
    if (high === 0 && low === 0) return false;
    return low === Number(sourceFingerprint & LOW) && high === Number(sourceFingerprint >> 32n);
  }

  private home(low: number): number {
    // Multiply-shift onto a capacity that need not be a power of two.
    return Math.floor((low / 4294967296) * this.capacity);
  }

  private put(high: number, low: number, valueHigh: number, valueLow: number): void {
    const keys = this.keys;
    for (let slot = this.home(low); ; slot = slot + 1 === this.capacity ? 0 : slot + 1) {
      const h = keys[slot * 2];
      const empty = h === 0;
      if (empty || (h === high && keys[slot * 2 + 1] === low)) {
        if (empty) this.used++;
        keys[slot * 2] = high;
        keys[slot * 2 + 1] = low;
        this.values[slot * 2] = valueHigh;
        this.values[slot * 2 + 1] = valueLow;
        return;
      }
    }
  }

  private grow(): void {
    const { keys, values } = this;
    this.capacity = capacityFor(Math.max(16, Math.ceil(this.used * 1.5)));
    this.keys = new Uint32Array(this.capacity * 2);
    this.values = new Uint32Array(this.capacity * 2);
    this.used = 0;
    for (let slot = 0; slot < keys.length / 2; slot++) {
      const high = keys[slot * 2] as number;
      if (high !== 0) this.put(high, keys[slot * 2 + 1] as number, values[slot * 2] as number, values[slot * 2 + 1] as number);
    }
  }
}

function capacityFor(contacts: number): number {
  return Math.max(16, Math.ceil(contacts / LOAD) + 1);
}
