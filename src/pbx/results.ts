// Turns a parsed <result> into the typed result of each service; a shape the guide does not allow is PBX_MALFORMED_RESPONSE.
import { SyncError } from "../errors.js";
import type { ImportSyncContactResult, ImportSyncResult, PhonebookEntry } from "./types.js";
import { isNode, text, type XmlNode, type XmlValue } from "./xml.js";

const COUNTS = ["processed", "skipped", "warnings", "errors"] as const;

/** phonebook_import_sync: the four counts and, with verbose output, one entry per contact. */
export function importSyncResult(result: XmlNode): ImportSyncResult {
  const counts = { processed: 0, skipped: 0, warnings: 0, errors: 0 };
  for (const tag of COUNTS) counts[tag] = count(result, tag);
  const contacts = contactNodes(result, "phonebook_import_sync").map((node, index): ImportSyncContactResult => {
    const externalId = text(node, "uc_external_id");
    if (externalId === "") malformed("phonebook_import_sync", `contact #${index + 1} of the answer has no <uc_external_id>`);
    const id = text(node, "id");
    return { uc_external_id: externalId, id: id === "" ? null : id, act: text(node, "act").toLowerCase(), info: text(node, "info") };
  });
  return { ...counts, contacts };
}

/** get_phonebook: the matching contacts, every field a string ("" when the PBX leaves it out). */
export function phonebookEntries(result: XmlNode): PhonebookEntry[] {
  return contactNodes(result, "get_phonebook").map((node) => ({
    id: text(node, "id") || null,
    name: text(node, "name"),
    surname: text(node, "surname"),
    company: text(node, "company"),
    office: text(node, "office"),
    home: text(node, "home"),
    mobile: text(node, "mobile"),
    fax: text(node, "fax"),
    other: text(node, "other"),
    email: text(node, "email"),
    is_favourite: text(node, "is_favourite") === "1",
    uc_app_name: text(node, "uc_app_name") || null,
    uc_external_id: text(node, "uc_external_id") || null,
  }));
}

/** add_phonebook: the new contact's id. */
export function addedContactId(result: XmlNode): string {
  const id = text(result, "contact_id");
  if (id === "") malformed("add_phonebook", "the answer has no <contact_id>");
  return id;
}

/** The <contacts><contact> list; an absent or empty <contacts> is an empty list, not an error. */
function contactNodes(result: XmlNode, service: string): XmlNode[] {
  const contacts: XmlValue | undefined = result["contacts"];
  if (contacts === undefined || contacts === "") return [];
  if (!isNode(contacts)) return malformed(service, "<contacts> is not a list of <contact> elements");
  const list = contacts["contact"];
  if (list === undefined) return [];
  if (!Array.isArray(list)) return malformed(service, "<contacts> is not a list of <contact> elements");
  return list.map((item, index) => {
    if (isNode(item)) return item;
    // <contact/> or a text-only contact carries nothing we can match.
    return malformed(service, `contact #${index + 1} of the answer has no fields`);
  });
}

function count(result: XmlNode, tag: string): number {
  const value = result[tag];
  if (value === undefined || value === "") return 0;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    return malformed("phonebook_import_sync", `<${tag}> is not a whole number: ${JSON.stringify(value).slice(0, 80)}`);
  }
  return Number.parseInt(value, 10);
}

function malformed(service: string, problem: string): never {
  throw new SyncError("PBX_MALFORMED_RESPONSE", `the PBX answer to ${service} does not fit the guide: ${problem}`);
}
