// 64-bit fingerprints: xxHash64 of a record's text (what the state compares) and a cheap in-JS one of an id (tables, sets).
import { xxh64 } from "@node-rs/xxhash";

/** xxHash64 of a text (its UTF-8 bytes), from a seed: native, about half the cost of SHA-1 on a record's text. */
export function hash64(text: string, seed = 0n): bigint {
  return xxh64(text, seed);
}

/** A fingerprint as the state stores it: 16 hex digits. */
export function hex64(value: bigint): string {
  return value.toString(16).padStart(16, "0");
}

/**
 * The number written by 8 lower-case hex digits of `text` from `from` (0 to 2³²-1), or -1 when any is not one:
 * read with char codes, as a table of a million stored hashes is filled with no substring or BigInt per hash.
 */
export function hexHalf(text: string, from: number): number {
  let value = 0;
  for (let i = from; i < from + 8; i++) {
    const code = text.charCodeAt(i);
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Two independent 32-bit FNV-1a style hashes of the UTF-16 code units (64 bits in all), mixed at the end: no
 * native call and no crypto object per id. The high half is never 0, which marks an empty slot in the tables.
 */
export function idFingerprint(key: string): [high: number, low: number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = mix(a ^ key.length);
  b = mix(b ^ Math.imul(key.length, 0x27d4eb2d));
  return [(a | 1) >>> 0, b >>> 0];
}

/** murmur3's finalizer: every input bit reaches every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
