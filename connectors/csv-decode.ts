// Turns the bytes of a CSV file into text chunks: byte-order marks, strict UTF-8/UTF-16, single-byte code pages.
import iconv from "iconv-lite";

export const CSV_ENCODINGS = ["utf-8", "windows-1252", "latin1", "iso-8859-1", "iso-8859-15", "utf-16le", "utf-16be"] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** Longest first: the UTF-8 mark must be tried before a shorter one could match its prefix. */
const BYTE_ORDER_MARKS: ReadonlyArray<{ encoding: CsvEncoding; bytes: readonly number[] }> = [
  { encoding: "utf-8", bytes: [0xef, 0xbb, 0xbf] },
  { encoding: "utf-16le", bytes: [0xff, 0xfe] },
  { encoding: "utf-16be", bytes: [0xfe, 0xff] },
];

/** A decoding failure; `textBeforeError` is what the failing chunk decoded to before the bad bytes. */
export class CsvDecodeError extends Error {
  override readonly name = "CsvDecodeError";
  constructor(
    message: string,
    readonly textBeforeError: string,
  ) {
    super(message);
  }
}

export interface DecodeOptions {
  encoding: CsvEncoding;
  /** Called when a byte-order mark names another encoding than the configured one (the mark wins). */
  onBomOverride?: (found: CsvEncoding, configured: CsvEncoding) => void;
}

interface ChunkDecoder {
  write(bytes: Buffer): string;
  end(): string;
}

/** The byte-order mark at the start of `head`, if any. */
export function detectBom(head: Buffer): { encoding: CsvEncoding; length: number } | undefined {
  for (const bom of BYTE_ORDER_MARKS) {
    if (head.length >= bom.bytes.length && bom.bytes.every((byte, i) => head[i] === byte)) {
      return { encoding: bom.encoding, length: bom.bytes.length };
    }
  }
  return undefined;
}

/**
 * Decodes a byte stream chunk by chunk, so memory never holds more than a chunk. A byte-order mark is
 * stripped and always wins over the configured encoding: Excel's "Unicode text" is UTF-16LE with a mark,
 * whatever the config says. Throws CsvDecodeError on bytes that are not valid in a strict encoding.
 */
export async function* decodeBytes(bytes: AsyncIterable<Buffer>, options: DecodeOptions): AsyncGenerator<string> {
  let head: Buffer = Buffer.alloc(0);
  let decoder: ChunkDecoder | undefined;
  for await (const chunk of bytes) {
    if (decoder) {
      yield* decodeChunk(decoder, chunk);
      continue;
    }
    // Wait for three bytes so that a mark split across chunks is still seen.
    head = Buffer.concat([head, chunk]);
    if (head.length < 3) continue;
    const started = startDecoder(head, options);
    decoder = started.decoder;
    yield* decodeChunk(decoder, head.subarray(started.skip));
  }
  if (!decoder) {
    const started = startDecoder(head, options);
    decoder = started.decoder;
    yield* decodeChunk(decoder, head.subarray(started.skip));
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** On bad bytes, the text before them still goes out first: the rows up to the bad line are read, then the read stops. */
function* decodeChunk(decoder: ChunkDecoder, chunk: Buffer): Generator<string> {
  let text: string;
  try {
    text = decoder.write(chunk);
  } catch (err) {
    if (!(err instanceof CsvDecodeError) || err.textBeforeError === "") throw err;
    yield err.textBeforeError;
    throw new CsvDecodeError(err.message, "");
  }
  if (text) yield text;
}

function startDecoder(head: Buffer, options: DecodeOptions): { decoder: ChunkDecoder; skip: number } {
  const bom = detectBom(head);
  if (!bom) return { decoder: createDecoder(options.encoding), skip: 0 };
  const sameFamily = bom.encoding === options.encoding;
  if (!sameFamily) options.onBomOverride?.(bom.encoding, options.encoding);
  return { decoder: createDecoder(bom.encoding), skip: bom.length };
}

function createDecoder(encoding: CsvEncoding): ChunkDecoder {
  if (encoding === "utf-8" || encoding === "utf-16le" || encoding === "utf-16be") return strictDecoder(encoding);
  // Node's TextDecoder treats latin1 as windows-1252 (the WHATWG rule) and lacks iso-8859-15: iconv-lite is exact.
  // Every byte is valid in these code pages, so there is nothing to reject.
  const decoder = iconv.getDecoder(encoding, { stripBOM: false });
  return { write: (chunk) => decoder.write(chunk), end: () => decoder.end() ?? "" };
}

/**
 * WHATWG decoders with `fatal`: a wrong encoding or a cut-short file stops the read instead of yielding U+FFFD.
 * A character split between chunks is carried here rather than inside TextDecoder, so that every decode call
 * is self-contained and the text before a bad byte can be handed on exactly.
 */
function strictDecoder(encoding: StrictEncoding): ChunkDecoder {
  const label = encoding.toUpperCase();
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  let carry: Buffer = Buffer.alloc(0);
  return {
    write(chunk) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const complete = completeLength(bytes, encoding);
      carry = Buffer.from(bytes.subarray(complete));
      const body = bytes.subarray(0, complete);
      try {
        return decoder.decode(body);
      } catch {
        throw new CsvDecodeError(`bytes that are not valid ${label}`, validPrefix(body, encoding));
      }
    },
    end() {
      if (carry.length > 0) throw new CsvDecodeError(`the file ends in the middle of a ${label} character: it may have been cut short`, "");
      return "";
    },
  };
}

export type StrictEncoding = "utf-8" | "utf-16le" | "utf-16be";

/** How many leading bytes end on a character boundary; the rest may be a character the next chunk completes. */
export function completeLength(bytes: Buffer, encoding: StrictEncoding): number {
  if (encoding === "utf-8") {
    // Find the last lead byte within a character's reach of the end and see whether its character is whole.
    for (let back = 1; back <= Math.min(4, bytes.length); back++) {
      const byte = bytes[bytes.length - back] ?? 0;
      if ((byte & 0xc0) === 0x80) continue;
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return needed > back ? bytes.length - back : bytes.length;
    }
    return bytes.length;
  }
  let length = bytes.length - (bytes.length % 2);
  const lastUnit = length >= 2 ? (encoding === "utf-16le" ? bytes.readUInt16LE(length - 2) : bytes.readUInt16BE(length - 2)) : 0;
  // A high surrogate waits for its low half.
  if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) length -= 2;
  return length;
}

/** The text before the first invalid byte, found by bisection with fresh decoders (only ever run on failure). */
function validPrefix(body: Buffer, encoding: StrictEncoding): string {
  const decodes = (length: number): boolean => {
    try {
      new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let good = 0;
  let bad = body.length;
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (decodes(mid)) good = mid;
    else bad = mid;
  }
  // Decoded in stream mode, a character cut by the bisection point is left out rather than garbled.
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(body.subarray(0, good), { stream: true });
}
