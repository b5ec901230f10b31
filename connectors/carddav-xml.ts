// WebDAV/CardDAV XML: request bodies, and answers read into elements named by namespace URI, whatever prefixes the server chose.
import { XMLParser, XMLValidator } from "fast-xml-parser";

export const DAV = "DAV:";
export const CARDDAV = "urn:ietf:params:xml:ns:carddav";

/** An element of an answer: its namespace URI and local name (prefixes resolved), its child elements and its text. */
export interface XmlElement {
  ns: string;
  name: string;
  children: XmlElement[];
  /** The element's own text (CDATA included, entities decoded), children's text left out. */
  text: string;
}

/** One <response> of a 207 multistatus. */
export interface DavResponse {
  /** The <href> as the server wrote it (resolve it with davPath). */
  href: string;
  /** The response's own <status> (a 404 for a removed or missing card), when it has one. */
  status?: number;
  statusText?: string;
  propstats: { status: number; props: XmlElement[] }[];
}

/** Why a body is not the XML expected; the caller names the request in its error. */
export class XmlShapeError extends Error {}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // For numeric references: PHP servers write the CR of a vCard's CRLF as &#13;.
  htmlEntities: true,
});

type OrderedNode = Record<string, unknown>;

/**
 * The root element of a body. Validated first: fast-xml-parser alone reads a truncated body into a partial tree,
 * and a partial listing taken for a whole one would delete contacts.
 */
export function parseXml(body: string): XmlElement {
  const text = body.replace(/^\uFEFF/, "");
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlShapeError(`not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const roots = build(parser.parse(text) as OrderedNode[], { xml: "http://www.w3.org/XML/1998/namespace" });
  const [root] = roots;
  if (!root || roots.length > 1) throw new XmlShapeError("not an XML document with one root element");
  return root;
}

function build(nodes: readonly OrderedNode[], scope: Readonly<Record<string, string>>): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const node of nodes) {
    const tag = Object.keys(node).find((key) => key !== ":@");
    if (tag === undefined || tag === "#text") continue;
    const attributes = (node[":@"] ?? {}) as Record<string, string>;
    const inner = { ...scope };
    for (const [attribute, value] of Object.entries(attributes)) {
      if (attribute === "xmlns") inner[""] = value;
      else if (attribute.startsWith("xmlns:")) inner[attribute.slice(6)] = value;
    }
    const colon = tag.indexOf(":");
    const prefix = colon < 0 ? "" : tag.slice(0, colon);
    const ns = inner[prefix];
    if (ns === undefined && prefix !== "") throw new XmlShapeError(`the prefix "${prefix}" of <${tag}> is not declared`);
    const content = (node[tag] ?? []) as OrderedNode[];
    const text = content.map((part) => (typeof part["#text"] === "string" ? part["#text"] : "")).join("");
    elements.push({ ns: ns ?? "", name: colon < 0 ? tag : tag.slice(colon + 1), children: build(content, inner), text });
  }
  return elements;
}

/** The first child named {ns}name. */
export function child(element: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return element?.children.find((each) => each.ns === ns && each.name === name);
}

/** Every child named {ns}name. */
export function childrenNamed(element: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return element ? element.children.filter((each) => each.ns === ns && each.name === name) : [];
}

/** The code of an HTTP status line ("HTTP/1.1 404 Not Found" → 404), NaN when it is not one. */
export function statusCode(line: string): number {
  const match = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(line);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** The <response> elements of a DAV:multistatus root, and its <sync-token>; throws XmlShapeError for another root. */
export function readMultistatus(root: XmlElement): { responses: DavResponse[]; syncToken?: string } {
  if (root.ns !== DAV || root.name !== "multistatus") throw new XmlShapeError(`the root element is <${root.name}> in "${root.ns}", not DAV: multistatus`);
  const responses = childrenNamed(root, DAV, "response").map(readResponse);
  const token = child(root, DAV, "sync-token");
  return token === undefined ? { responses } : { responses, syncToken: token.text.trim() };
}

function readResponse(response: XmlElement): DavResponse {
  const href = child(response, DAV, "href");
  if (href === undefined) throw new XmlShapeError("a <response> has no <href>");
  const propstats = childrenNamed(response, DAV, "propstat").map((propstat) => {
    const line = child(propstat, DAV, "status")?.text ?? "";
    const status = statusCode(line);
    if (Number.isNaN(status)) throw new XmlShapeError(`the propstat of ${href.text.trim()} has no HTTP status line ("${line.trim()}")`);
    return { status, props: child(propstat, DAV, "prop")?.children ?? [] };
  });
  const own = child(response, DAV, "status");
  const result: DavResponse = { href: href.text.trim(), propstats };
  if (own !== undefined) {
    result.status = statusCode(own.text);
    result.statusText = own.text.trim().replace(/^HTTP\/\S+\s+/, "");
    if (Number.isNaN(result.status)) throw new XmlShapeError(`the response for ${result.href} has no HTTP status line ("${own.text.trim()}")`);
  }
  return result;
}

/** A property of a response found with status 200, if any. */
export function foundProp(response: DavResponse, ns: string, name: string): XmlElement | undefined {
  for (const propstat of response.propstats) {
    if (propstat.status < 200 || propstat.status > 299) continue;
    const found = propstat.props.find((prop) => prop.ns === ns && prop.name === name);
    if (found) return found;
  }
  return undefined;
}

/** The status of the propstat that holds a property (found or not), if any. */
export function propStatus(response: DavResponse, ns: string, name: string): number | undefined {
  return response.propstats.find((propstat) => propstat.props.some((prop) => prop.ns === ns && prop.name === name))?.status;
}

/** The text of every DAV:href inside an element (addressbook-home-set, current-user-principal). */
export function hrefsIn(element: XmlElement | undefined): string[] {
  return childrenNamed(element, DAV, "href").map((href) => href.text.trim()).filter((href) => href !== "");
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n';
const NAMESPACES = `xmlns:d="${DAV}" xmlns:card="${CARDDAV}"`;

/** A property to ask for, as "d:getetag" or "card:addressbook-home-set" (the prefixes of the bodies below). */
export type PropName = `d:${string}` | `card:${string}`;

export function propfindBody(props: readonly PropName[]): string {
  return `${PROLOG}<d:propfind ${NAMESPACES}><d:prop>${props.map((prop) => `<${prop}/>`).join("")}</d:prop></d:propfind>`;
}

/** RFC 6578 sync-collection, sync-level 1 (members of the collection only), asking for ETags. */
export function syncCollectionBody(token: string): string {
  const tokenElement = token === "" ? "<d:sync-token/>" : `<d:sync-token>${escapeXml(token)}</d:sync-token>`;
  return `${PROLOG}<d:sync-collection ${NAMESPACES}>${tokenElement}<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
}

/** RFC 6352 addressbook-multiget of encoded hrefs, asking for ETags and the vCards. */
export function multigetBody(encodedHrefs: readonly string[]): string {
  const hrefs = encodedHrefs.map((href) => `<d:href>${escapeXml(href)}</d:href>`).join("");
  return `${PROLOG}<card:addressbook-multiget ${NAMESPACES}><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs}</card:addressbook-multiget>`;
}

/** The precondition element of a DAV:error body (valid-sync-token, supported-report), if the body is one. */
export function errorCondition(body: string): string | undefined {
  if (!/<([A-Za-z0-9_.-]+:)?error[\s>/]/.test(body)) return undefined;
  try {
    const root = parseXml(body);
    if (root.ns !== DAV || root.name !== "error") return undefined;
    return root.children.find((each) => each.ns === DAV || each.ns === CARDDAV)?.name;
  } catch {
    return undefined;
  }
}
