// A fast reader for phonebook_import_sync's answer, the one big answer of a sync; anything it is not sure of goes to fast-xml-parser.
import type { HttpAnswer } from "./transport.js";
import { checkAnswer, parseResult, type XmlNode, type XmlValue } from "./xml.js";

/*
 * Why: the verbose report of a first sync of 100,000 contacts cost a sixth of the worker's CPU in
 * XMLValidator.validate + XMLParser.parse. This reader scans the report's fixed shape with indexOf and
 * charCodeAt and builds the very <result> node fast-xml-parser builds with readResult's options, so
 * importSyncResult reads both alike. It accepts only a subset of what the validator accepts, decodes as
 * fast-xml-parser decodes (trim, then the five XML entities; numeric references left as written), and on
 * any doubt (another tag, an attribute, a comment, CDATA, a DOCTYPE, an unknown entity, a repeated element,
 * outcome other than 0) says "not mine": parseResult then reads the body and throws today's errors.
 */

/**
 * Reads a phonebook_import_sync answer: readResult's status, empty and HTML checks first, then the fast
 * reader, then fast-xml-parser for a body the fast reader leaves. Returns the <result> of outcome=0.
 */
export function readImportSyncAnswer(answer: HttpAnswer, service: string): XmlNode {
  const body = checkAnswer(answer, service);
  return readImportSyncResult(body) ?? parseResult(body, answer.status, service);
}

/**
 * The <result> of a checked body (see checkAnswer) that is a well-formed outcome=0 import answer, equal to what
 * parseResult returns for it; undefined ("not mine") for any other body.
 */
export function readImportSyncResult(body: string): XmlNode | undefined {
  return new ImportAnswerReader(body).read();
}

// The names as constants: a name cut from the body would cost a string-table look-up at every property access.
const RESULT_CHILDREN = ["outcome", "processed", "skipped", "warnings", "errors", "contacts"] as const;
const CONTACTS_CHILDREN = ["contact"] as const;
const CONTACT_CHILDREN = ["uc_external_id", "id", "act", "info"] as const;
/** `<?xml version="1.0" encoding="UTF-8"?>`: plain attributes only, no character that could end or open a tag. */
const DECLARATION = /<\?xml(?:[ \t\n\r]+[A-Za-z_][\w.-]*[ \t\n\r]*=[ \t\n\r]*(?:"[^"<>?&]*"|'[^'<>?&]*'))*[ \t\n\r]*\?>/y;

const GT = 62; // >
const SLASH = 47; // /

class ImportAnswerReader {
  private i = 0;
  /** The last opening tag read was `<name/>`. */
  private selfClosed = false;

  constructor(private readonly s: string) {}

  read(): XmlNode | undefined {
    if (this.s.startsWith("<?")) {
      DECLARATION.lastIndex = 0;
      if (!DECLARATION.test(this.s)) return undefined;
      this.i = DECLARATION.lastIndex;
    }
    // Between the declaration and the root the validator allows XML's four white-space characters, no others.
    while (isXmlSpace(this.s.charCodeAt(this.i))) this.i += 1;
    if (!this.s.startsWith("<result>", this.i)) return undefined;
    this.i += "<result>".length;
    const result = this.result();
    if (result === undefined || this.i !== this.s.length || result["outcome"] !== "0") return undefined;
    return result;
  }

  /** The children of <result>, up to and past </result>. */
  private result(): XmlNode | undefined {
    const node: XmlNode = {};
    for (;;) {
      const at = this.nextTag();
      if (at < 0) return undefined;
      if (this.closes(at, "result")) return node;
      const name = this.openTag(at, RESULT_CHILDREN);
      if (name === undefined || node[name] !== undefined) return undefined;
      const value = name === "contacts" ? this.contacts() : this.leaf(name);
      if (value === undefined) return undefined;
      node[name] = value;
    }
  }

  /** <contacts>: "" when it holds no <contact> (as fast-xml-parser gives it), else { contact: [...] }. */
  private contacts(): XmlValue | undefined {
    if (this.selfClosed) return "";
    const list: XmlNode[] = [];
    for (;;) {
      const at = this.nextTag();
      if (at < 0) return undefined;
      if (this.closes(at, "contacts")) return list.length === 0 ? "" : { contact: list };
      if (this.openTag(at, CONTACTS_CHILDREN) === undefined || this.selfClosed) return undefined;
      const contact = this.contact();
      if (contact === undefined) return undefined;
      list.push(contact);
    }
  }

  /** One <contact> with some of its four fields, each at most once; an empty one is left to the parser. */
  private contact(): XmlNode | undefined {
    const node: XmlNode = {};
    let fields = 0;
    for (;;) {
      const at = this.nextTag();
      if (at < 0) return undefined;
      if (this.closes(at, "contact")) return fields === 0 ? undefined : node;
      const name = this.openTag(at, CONTACT_CHILDREN);
      if (name === undefined || node[name] !== undefined) return undefined;
      const value = this.leaf(name);
      if (value === undefined) return undefined;
      node[name] = value;
      fields += 1;
    }
  }

  /** The text of the element just opened, up to and past its closing tag; nothing but text may be inside. */
  private leaf(name: string): string | undefined {
    if (this.selfClosed) return "";
    const start = this.i;
    const at = this.s.indexOf("<", start);
    if (at < 0 || !this.closes(at, name)) return undefined;
    return textValue(this.s.slice(start, at));
  }

  /** Where the next tag starts, when only white space (as trim() sees it) comes before it; else -1. */
  private nextTag(): number {
    const at = this.s.indexOf("<", this.i);
    if (at < 0) return -1;
    for (let k = this.i; k < at; k += 1) {
      const code = this.s.charCodeAt(k);
      if (!isXmlSpace(code)) return this.s.slice(k, at).trim() === "" ? at : -1;
    }
    return at;
  }

  /** Whether `</name>` starts at `at`; if so, moves past it. */
  private closes(at: number, name: string): boolean {
    const end = at + 2 + name.length;
    if (this.s.charCodeAt(at + 1) !== SLASH || this.s.charCodeAt(end) !== GT || !this.s.startsWith(name, at + 2)) return false;
    this.i = end + 1;
    return true;
  }

  /** Which of `names` a plain `<name>` or `<name/>` at `at` opens, moving past it; undefined for any other tag. */
  private openTag<Name extends string>(at: number, names: readonly Name[]): Name | undefined {
    let end = at + 1;
    let code = this.s.charCodeAt(end);
    while ((code >= 97 && code <= 122) || code === 95) {
      end += 1;
      code = this.s.charCodeAt(end);
    }
    const name = this.named(at + 1, end, names);
    if (name === undefined) return undefined;
    if (code === GT) {
      this.selfClosed = false;
      this.i = end + 1;
    } else if (code === SLASH && this.s.charCodeAt(end + 1) === GT) {
      this.selfClosed = true;
      this.i = end + 2;
    } else {
      return undefined;
    }
    return name;
  }

  /** The one of `names` written from `start` to `end`. */
  private named<Name extends string>(start: number, end: number, names: readonly Name[]): Name | undefined {
    for (const name of names) {
      if (name.length === end - start && this.s.startsWith(name, start)) return name;
    }
    return undefined;
  }
}

/** A text value as fast-xml-parser gives it with trimValues: line ends made \n, trimmed, then entities decoded. */
function textValue(raw: string): string | undefined {
  const text = (raw.includes("\r") ? raw.replace(/\r\n?/g, "\n") : raw).trim();
  return text.includes("&") ? decodeEntities(text) : text;
}

/** The five XML entities decoded; numeric references kept as written, as fast-xml-parser keeps them; undefined for any other `&`. */
function decodeEntities(text: string): string | undefined {
  let out = "";
  let from = 0;
  for (let amp = text.indexOf("&"); amp >= 0; amp = text.indexOf("&", from)) {
    const semi = text.indexOf(";", amp + 1);
    if (semi < 0) return undefined;
    const token = text.slice(amp + 1, semi);
    let char: string | undefined;
    if (token.startsWith("#")) char = keptAsWritten(token) ? `&${token};` : undefined;
    else char = namedEntity(token);
    if (char === undefined) return undefined;
    out += text.slice(from, amp) + char;
    from = semi + 1;
  }
  return out + text.slice(from);
}

function namedEntity(name: string): string | undefined {
  switch (name) {
    case "amp":
      return "&";
    case "lt":
      return "<";
    case "gt":
      return ">";
    case "quot":
      return '"';
    case "apos":
      return "'";
    default:
      return undefined;
  }
}

/**
 * Whether fast-xml-parser (htmlEntities off) keeps `&#...;` as written: a reference the validator takes
 * (decimal digits, or x and hex digits; not X) to a character it does not delete. It deletes U+0000, surrogates
 * and, in XML 1.0, C0 controls but tab and line ends; those are left to it whatever the XML version.
 */
function keptAsWritten(token: string): boolean {
  const hex = token.charCodeAt(1) === 120; // x
  const digits = token.slice(hex ? 2 : 1);
  if (digits === "") return false;
  for (let k = 0; k < digits.length; k += 1) {
    const code = digits.charCodeAt(k);
    const decimal = code >= 48 && code <= 57;
    if (!decimal && !(hex && ((code >= 97 && code <= 102) || (code >= 65 && code <= 70)))) return false;
  }
  const point = Number.parseInt(digits, hex ? 16 : 10);
  if (point === 0 || (point >= 0xd800 && point <= 0xdfff)) return false;
  return point >= 0x20 || point === 9 || point === 10 || point === 13;
}

function isXmlSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}
