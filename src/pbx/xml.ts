// Reads a PBX answer: HTTP status, empty and HTML bodies, the XML <result>, and outcome=1 mapped to an error code.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { SyncError, type ErrorCode } from "../errors.js";
import { redact } from "../redact.js";
import type { HttpAnswer } from "./transport.js";

/** A parsed <result> element: its children by tag name. Values stay strings (ids, counts). */
export type XmlNode = { [tag: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const EXCERPT_LENGTH = 200;

const parser = new XMLParser({
  // Ids and counts stay strings: "007" is an id, not 7; numbers are parsed where they are numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // One contact must still give an array.
  isArray: (_name, jpath) => jpath === "result.contacts.contact",
});

/** The text of a child, "" when absent or not text. */
export function text(node: XmlNode, tag: string): string {
  const value = node[tag];
  return typeof value === "string" ? value : "";
}

/**
 * A short one-line excerpt of a body for messages: enough to recognise a page, never the whole of it. Secrets are
 * masked before the cut: a secret cut in half would no longer be recognised, and its first part would be printed.
 */
export function excerpt(body: string): string {
  const line = redact(body).replace(/\s+/g, " ").trim();
  return line.length > EXCERPT_LENGTH ? `${line.slice(0, EXCERPT_LENGTH)}...` : line;
}

/**
 * Checks an answer and returns its <result> on outcome=0. Throws the SyncError that says what went
 * wrong: HTTP status, empty body, HTML page, XML that is not the guide's, or the PBX's own refusal.
 */
export function readResult(answer: HttpAnswer, service: string): XmlNode {
  return parseResult(checkAnswer(answer, service), answer.status, service);
}

/**
 * The checks that come before any XML reading: HTTP status, empty body, HTML page. Returns the body without
 * its byte order mark and outer whitespace, the text every XML reader of an answer starts from.
 */
export function checkAnswer(answer: HttpAnswer, service: string): string {
  const body = answer.body.replace(/^\uFEFF/, "").trim();
  const where = `the PBX answer to ${service}`;
  if (answer.status < 200 || answer.status >= 300) {
    return fail("PBX_HTTP_STATUS", `${where} is HTTP ${answer.status}${body ? `: "${excerpt(body)}"` : " with an empty body"}`, {
      status: answer.status,
      bodyExcerpt: excerpt(body),
      ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    });
  }
  if (body === "") {
    return fail("PBX_EMPTY_RESPONSE", `${where} is empty (HTTP ${answer.status} with no body)`, { status: answer.status });
  }
  if (looksLikeHtml(body, answer.contentType)) {
    return fail("PBX_HTML_RESPONSE", `${where} is an HTML page, not XML: "${excerpt(body)}"`, {
      status: answer.status,
      bodyExcerpt: excerpt(body),
    });
  }
  return body;
}

/** A checked body (see checkAnswer) read with fast-xml-parser: its <result> on outcome=0, else the SyncError that says why not. */
export function parseResult(body: string, status: number, service: string): XmlNode {
  const where = `the PBX answer to ${service}`;
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return fail("PBX_MALFORMED_RESPONSE", `${where} is not well-formed XML (line ${line}, column ${col}: ${msg}): "${excerpt(body)}"`, {
      status,
      bodyExcerpt: excerpt(body),
      cause: new Error(msg),
    });
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch (err) {
    // The validator lets a few broken prologues through (`<?xml version=1.0"?>`) that the parser then throws on.
    const msg = err instanceof Error ? err.message : String(err);
    return fail("PBX_MALFORMED_RESPONSE", `${where} is not well-formed XML (${msg}): "${excerpt(body)}"`, { status, bodyExcerpt: excerpt(body), cause: err });
  }
  const result = isNode(parsed) ? parsed["result"] : undefined;
  if (!isNode(result) || typeof result["outcome"] !== "string") {
    return fail("PBX_MALFORMED_RESPONSE", `${where} has no <result><outcome>: "${excerpt(body)}"`, {
      status,
      bodyExcerpt: excerpt(body),
    });
  }
  const outcome = result["outcome"];
  if (outcome === "0") return result;
  if (outcome === "1") {
    const pbxError = text(result, "error") || "(no error text)";
    return fail(refusalCode(pbxError), `the PBX refused ${service}: ${pbxError}`, { pbxError, status });
  }
  return fail("PBX_MALFORMED_RESPONSE", `${where} has outcome "${excerpt(outcome)}"; the guide knows only 0 and 1`, {
    status,
    bodyExcerpt: excerpt(body),
  });
}

/** The code for an outcome=1 text: the ones the pipeline must tell apart, else PBX_REJECTED. */
export function refusalCode(pbxError: string): ErrorCode {
  if (/token/i.test(pbxError)) return "PBX_AUTH_FAILED";
  if (/unknown service/i.test(pbxError)) return "PBX_UNKNOWN_SERVICE";
  if (/contact not found/i.test(pbxError)) return "PBX_CONTACT_NOT_FOUND";
  if (/too many contacts/i.test(pbxError)) return "PBX_BATCH_TOO_LARGE";
  return "PBX_REJECTED";
}

/**
 * PHP sends text/html unless a script says otherwise, so a real XML answer may carry that type:
 * the content type alone condemns a body only when the body does not start like XML.
 */
function looksLikeHtml(body: string, contentType: string): boolean {
  if (/^<!doctype\s+html|^<html[\s>]/i.test(body)) return true;
  return /text\/html/i.test(contentType) && !/^<(\?xml|result[\s>/])/i.test(body);
}

export function isNode(value: unknown): value is XmlNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(code: ErrorCode, message: string, details: ConstructorParameters<typeof SyncError>[2]): never {
  throw new SyncError(code, message, details);
}
