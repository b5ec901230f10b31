// A compact set of 64-bit fingerprints: finds duplicate external ids in a source at ~16 bytes per contact.
import { idFingerprint as fingerprint } from "./fingerprint.js";

/**
 * Open addressing over a Uint32Array of (high, low) pairs; 0/0 marks an empty slot. A JS Set of a million
 * id strings costs ~60 MB; this costs 16 MB and grows by doubling. Two different ids share a fingerprint
 * with odds of about n²/2⁶⁵ (1e-8 at a million ids).
 */
export class FingerprintSet {
  private slots: Uint32Array;
  private used = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
  }

  get size(): number {
    return this.used;
  }

  /** Adds the key; returns false when it was already there. */
  add(key: string): boolean {
    const [high, low] = fingerprint(key);
    return this.addFingerprint(high, low);
  }

  /** add() of a key whose fingerprint (idFingerprint) the caller already has. */
  addFingerprint(high: number, low: number): boolean {
    if (this.insert(high, low)) {
      this.used++;
      if (this.used * 2 > this.slots.length / 2) this.grow();
      return true;
    }
    return false;
  }

  /** Whether the key was added. A false "yes" has the odds above; a "no" is always right. */
  has(key: string): boolean {
    const [high, low] = fingerprint(key);
    return this.hasFingerprint(high, low);
  }

  /** has() of a key whose fingerprint (idFingerprint) the caller already has. */
  hasFingerprint(high: number, low: number): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const h = this.slots[slot * 2];
      if (h === 0) return false;
      if (h === high >>> 0 && this.slots[slot * 2 + 1] === low >>> 0) return true;
    }
  }

  private insert(high: number, low: number): boolean {
    const mask = this.slots.length / 2 - 1;
    let slot = low & mask;
    for (;;) {
      const h = this.slots[slot * 2];
      if (h === 0) {
        this.slots[slot * 2] = high;
        this.slots[slot * 2 + 1] = low;
        return true;
      }
      if (h === high >>> 0 && this.slots[slot * 2 + 1] === low >>> 0) return false;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const high = old[i] as number;
      if (high !== 0) this.insert(high, old[i + 1] as number);
    }
  }
}
