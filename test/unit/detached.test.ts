// Kept strings must not keep the parser chunks they were sliced from: measured on the heap after a full
// collection, against the same strings kept without detaching (which must hold the chunks, or this test
// would prove nothing).
import { runInNewContext } from "node:vm";
import v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { detached } from "../../src/detached.js";
import { Batcher, type PendingContact } from "../../src/sync/batcher.js";
import { PhoneParser } from "../../src/mapping/phone.js";

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
v8.setFlagsFromString("--no-expose-gc");

const CHUNKS = 64;
const CHUNK_BYTES = 512 * 1024;

/**
 * A fresh chunk of CSV-like text (each distinct, so V8 cannot share them), and a long field sliced out of it:
 * the company, or with `phone` the mobile number (unique to the chunk).
 */
function fieldOfChunk(i: number, phone: boolean): string {
  const mobile = `+39 348 ${String(1_000_000 + i)}`;
  const row = `C${String(i).padStart(7, "0")},Alessandro,Conti,"Studio Romano, Commercialisti Associati",${mobile}\n`;
  const chunk = row.repeat(Math.ceil(CHUNK_BYTES / row.length));
  const start = chunk.indexOf(phone ? mobile : "Studio");
  return chunk.slice(start, start + (phone ? mobile.length : 38));
}

/** Heap bytes still used after `keep` has taken what it wants from CHUNKS chunks and the chunks are dropped. */
function retainedBy<T>(keep: (field: string, i: number) => T, phone = false): { bytes: number; kept: T[] } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: T[] = [];
  for (let i = 0; i < CHUNKS; i++) kept.push(keep(fieldOfChunk(i, phone), i));
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, kept };
}

const ALL_CHUNKS = CHUNKS * CHUNK_BYTES;

describe("detached strings", () => {
  it("a slice keeps its chunk alive; a detached copy of it does not, and reads the same", () => {
    const sliced = retainedBy((field) => field);
    expect(sliced.bytes).toBeGreaterThan(ALL_CHUNKS * 0.9);
    const copies = retainedBy((field) => detached(field));
    expect(copies.bytes).toBeLessThan(ALL_CHUNKS * 0.05);
    expect(copies.kept[3]).toBe("Studio Romano, Commercialisti Associat");
    expect(detached("short")).toBe("short");
  });

  it("an open batch holds its contacts without their source chunks", () => {
    const batcher = new Batcher({ batchSize: 1000, batchMaxBytes: 10_000_000 });
    const pending = (field: string, i: number): PendingContact => ({
      ref: `line ${i}`,
      displayName: field,
      warnings: [`number kept as typed: ${field}`],
      contact: { uc_app_name: "CRM", uc_external_id: `C${i}`, company: field, ext_info: [{ caption: "Agent", value: field }] },
    });
    const { bytes } = retainedBy((field, i) => batcher.add(pending(field, i)));
    expect(bytes).toBeLessThan(ALL_CHUNKS * 0.05);
    const [batch] = batcher.flush();
    expect(batch?.items).toHaveLength(CHUNKS);
    expect(batch?.items[5]?.contact).toEqual({
      uc_app_name: "CRM",
      uc_external_id: "C5",
      company: "Studio Romano, Commercialisti Associat",
      ext_info: [{ caption: "Agent", value: "Studio Romano, Commercialisti Associat" }],
    });
  });

  it("the phone cache keys hold no source chunks", () => {
    const parser = new PhoneParser({ homeCountry: "IT", maxShortDigits: 4, national: false });
    const { bytes, kept } = retainedBy((number) => parser.parse(number, "IT"), true);
    expect(parser.cached).toBe(CHUNKS);
    expect(kept[7]?.e164).toBe("+393481000007");
    expect(bytes).toBeLessThan(ALL_CHUNKS * 0.05);
  });
});
