// Decides how a CSV file's bytes are to be read, in a pass over them before the read: byte-order mark, then validity.
import { isUtf8 } from "node:buffer";
import { completeLength, CsvDecodeError, decodeBytes, detectBom, type CsvEncoding } from "./csv-decode.js";
import { LineCounter } from "./csv-rows.js";

/** An encoding as configured: one of CSV_ENCODINGS, or "auto" (the default). */
export type CsvEncodingSetting = CsvEncoding | "auto";

/** A fresh pass over the file's bytes, from the start, each time it is called. */
export type ByteSource = () => AsyncIterable<Buffer>;

export interface EncodingVerdict {
  /** What the file is decoded as: a byte-order mark's encoding, else the setting's, else (auto) UTF-8 or windows-1252. */
  encoding: CsvEncoding;
  /** auto only: the file is not UTF-8, and this is the line of its first invalid byte; it is read as windows-1252. */
  fallbackLine?: number;
  /** The bytes are not valid in `encoding`, a strict one: where and why. A read would stop at that line. */
  invalid?: { line: number; reason: string };
}

const STRICT: ReadonlySet<CsvEncoding> = new Set<CsvEncoding>(["utf-8", "utf-16le", "utf-16be"]);

/**
 * Reads the whole file once (a chunk at a time: memory stays flat) to tell how to decode it. A byte-order mark
 * decides; else `auto` takes UTF-8 when every byte is valid UTF-8, and windows-1252 when one is not. A file
 * that is valid UTF-8 up to a character cut off at its very end is a UTF-8 file cut short, not windows-1252:
 * read as windows-1252 every accent in it would reach the PBX garbled, so it stays UTF-8 and its read fails.
 * Single-byte code pages take every byte, so for them only the first bytes are read (a mark may override them).
 */
export async function inspectEncoding(bytes: ByteSource, setting: CsvEncodingSetting): Promise<EncodingVerdict> {
  const scan = await scanUtf8(bytes(), setting);
  if (!STRICT.has(scan.encoding)) return { encoding: scan.encoding };
  if (scan.utf8 === "valid") return { encoding: scan.encoding };
  // Bad bytes, or a UTF-16 file (not validated above): a second pass decodes for real, to name the line.
  const invalid = await firstInvalidLine(bytes(), scan.encoding);
  if (!invalid) return { encoding: scan.encoding };
  if (setting === "auto" && !scan.bom && scan.utf8 === "invalid") return { encoding: "windows-1252", fallbackLine: invalid.line };
  return { encoding: scan.encoding, invalid };
}

interface Utf8Scan {
  encoding: CsvEncoding;
  bom: boolean;
  /** For a UTF-8 file: every byte valid, valid but for a character cut off at the end, or not. */
  utf8: "valid" | "cut-short" | "invalid" | "not-checked";
}

/** The byte-order mark, and for a file to be read as UTF-8, whether it is: one pass, at memory speed (simdutf). */
async function scanUtf8(chunks: AsyncIterable<Buffer>, setting: CsvEncodingSetting): Promise<Utf8Scan> {
  let head: Buffer | undefined = Buffer.alloc(0);
  let encoding: CsvEncoding = setting === "auto" ? "utf-8" : setting;
  let bom = false;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (head) {
      // Wait for three bytes, so that a mark split across chunks is still seen.
      head = Buffer.concat([head, chunk]);
      if (head.length < 3) continue;
      bytes = head;
      head = undefined;
      const found = detectBom(bytes);
      if (found) [encoding, bom] = [found.encoding, true];
      if (encoding !== "utf-8") return { encoding, bom, utf8: "not-checked" };
    }
    // A character split between chunks waits for the next one.
    const whole = carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes;
    const complete = completeLength(whole, "utf-8");
    if (!isUtf8(whole.subarray(0, complete))) return { encoding, bom, utf8: "invalid" };
    carry = Buffer.from(whole.subarray(complete));
  }
  if (head) {
    const found = detectBom(head);
    if (found) [encoding, bom] = [found.encoding, true];
    if (encoding !== "utf-8") return { encoding, bom, utf8: "not-checked" };
    carry = head;
  }
  if (carry.length === 0 || isUtf8(carry)) return { encoding, bom, utf8: "valid" };
  return { encoding, bom, utf8: isUtf8Prefix(carry) ? "cut-short" : "invalid" };
}

/** Whether the bytes begin a UTF-8 character that more bytes would complete (rather than being invalid already). */
function isUtf8Prefix(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes the file as the read would, counting lines, up to its first invalid byte: that byte's line, and why.
 * Run only when the first pass found bad bytes (or for UTF-16), so a valid UTF-8 file is never decoded twice.
 */
async function firstInvalidLine(chunks: AsyncIterable<Buffer>, encoding: CsvEncoding): Promise<{ line: number; reason: string } | undefined> {
  const lines = new LineCounter();
  try {
    // A mark is stripped here as in the read; the encoding passed is already the mark's.
    for await (const text of decodeBytes(chunks, { encoding })) lines.add(text);
  } catch (err) {
    if (err instanceof CsvDecodeError) return { line: lines.lines, reason: err.message };
    throw err;
  }
  return undefined;
}
