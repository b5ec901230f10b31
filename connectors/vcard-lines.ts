// One vCard's text as content lines: unfolded, each with the physical line it starts on, vCard 2.1 quirks made readable.
import { TextDecoder } from "node:util";

/** One logical line of a card. */
export interface ContentLine {
  /** The 1-based physical line it starts on. */
  line: number;
  /** The unfolded text; "" for a binary property (PHOTO...), which is never read. */
  text: string;
  /** The property name in upper case, without its group: "TEL" for "item1.TEL;TYPE=CELL:...". */
  name: string;
}

/**
 * Properties whose values are pictures, sounds or keys (base64, often 100 kB): their lines are passed over
 * without being joined, so a photo costs neither time nor memory and never reaches a record.
 */
const BINARY: ReadonlySet<string> = new Set(["PHOTO", "LOGO", "SOUND", "KEY"]);

/** vCard 2.1 writes an encoding as a bare parameter (`NOTE;QUOTED-PRINTABLE:`); every other bare one is a TYPE. */
const ENCODINGS: ReadonlySet<string> = new Set(["QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"]);

const QUOTED_PRINTABLE = /quoted-printable/i;
const END_VCARD = /^END:VCARD\s*$/i;

/**
 * The content lines of a card's text (CRLF, LF or CR). A line starting with a space or a tab continues the one
 * before (RFC 6350 folding); in a quoted-printable value (vCard 2.1) a line ending with "=" continues on the next.
 * Empty lines are dropped: exporters put them between cards and after a 2.1 photo.
 */
export function contentLines(text: string): ContentLine[] {
  const physical = text.split(/\r\n|\n|\r/);
  const out: ContentLine[] = [];
  let current: { line: number; parts: string[]; name: string; qp: boolean } | undefined;
  const flush = (): void => {
    if (!current) return;
    const joined = BINARY.has(current.name) ? "" : current.parts.join("");
    out.push({ line: current.line, text: bareParamsNamed(joined), name: current.name });
    current = undefined;
  };
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] as string;
    if (raw === "") {
      flush();
      continue;
    }
    const first = raw.charCodeAt(0);
    if (current && (first === 32 || first === 9)) {
      if (!BINARY.has(current.name)) current.parts.push(raw.slice(1));
      continue;
    }
    // A stray "=" at the end of a card's last value must not swallow its END:VCARD.
    if (current?.qp && endsSoftBreak(current.parts) && !END_VCARD.test(raw)) {
      const last = current.parts.length - 1;
      current.parts[last] = (current.parts[last] as string).slice(0, -1);
      current.parts.push(raw);
      continue;
    }
    flush();
    const head = headOf(raw);
    current = { line: i + 1, parts: [first === 32 || first === 9 ? raw.trimStart() : raw], name: nameOf(head), qp: QUOTED_PRINTABLE.test(head) };
  }
  flush();
  return out;
}

/** The number of the last physical line that holds anything: where a card cut short ends. */
export function lastLineNumber(text: string): number {
  const physical = text.split(/\r\n|\n|\r/);
  for (let i = physical.length - 1; i >= 0; i--) if ((physical[i] as string).trim() !== "") return i + 1;
  return 1;
}

/** The value part of a content line: after the first ":" outside double quotes. */
export function valueOf(text: string): string {
  const end = headEnd(text);
  return end < text.length ? text.slice(end + 1) : "";
}

/** A quoted-printable value continues when its last piece ends with "=" (a soft line break). */
function endsSoftBreak(parts: readonly string[]): boolean {
  const last = parts[parts.length - 1] as string;
  return last.endsWith("=");
}

/** Where the name and parameters end: the first ":" outside double quotes, or the end of the line. */
function headEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) quoted = !quoted;
    else if (ch === 58 && !quoted) return i;
  }
  return text.length;
}

function headOf(text: string): string {
  return text.slice(0, headEnd(text));
}

/** "item1.TEL;TYPE=CELL" -> "TEL". */
function nameOf(head: string): string {
  const semicolon = head.indexOf(";");
  const name = semicolon < 0 ? head : head.slice(0, semicolon);
  return name.slice(name.lastIndexOf(".") + 1).trim().toUpperCase();
}

/**
 * vCard 2.1's bare parameters (`TEL;CELL;WORK:`) written out as `TYPE=CELL;TYPE=WORK`, which the parser reads;
 * `QUOTED-PRINTABLE` becomes `ENCODING=QUOTED-PRINTABLE`. A line with quotes in its parameters is left alone.
 */
export function bareParamsNamed(text: string): string {
  const end = headEnd(text);
  const head = text.slice(0, end);
  if (!head.includes(";") || head.includes('"')) return text;
  const tokens = head.split(";");
  if (tokens.every((token, index) => index === 0 || token === "" || token.includes("="))) return text;
  const named = tokens.map((token, index) => {
    if (index === 0 || token === "" || token.includes("=")) return token;
    return ENCODINGS.has(token.trim().toUpperCase()) ? `ENCODING=${token.trim()}` : `TYPE=${token.trim()}`;
  });
  return named.join(";") + text.slice(end);
}

/**
 * A vCard 2.1 quoted-printable value ("Caf=C3=A9") decoded: its bytes read in the property's CHARSET (UTF-8 when
 * none is given, or one TextDecoder does not know).
 */
export function decodeQuotedPrintable(text: string, charset: string): string {
  if (!text.includes("=")) return text;
  const chunks: Buffer[] = [];
  for (const piece of text.split(/(=[0-9A-Fa-f]{2})/)) {
    if (piece === "") continue;
    chunks.push(/^=[0-9A-Fa-f]{2}$/.test(piece) ? Buffer.from([parseInt(piece.slice(1), 16)]) : Buffer.from(piece, "utf8"));
  }
  return decoderFor(charset).decode(Buffer.concat(chunks));
}

function decoderFor(charset: string): TextDecoder {
  try {
    return new TextDecoder(charset === "" ? "utf-8" : charset);
  } catch {
    return new TextDecoder("utf-8");
  }
}
