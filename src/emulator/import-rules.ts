// The rules phonebook_import_sync applies to each contact of a request: what is skipped, what is warned about.
import type { ExtInfoBlock } from "../pbx/contact.js";
import { CONTACT_FIELDS, type ContactValues } from "./phonebook.js";
import { fitField, sanitizeNumber, textOf } from "./sanitize.js";

const NUMBER_FIELDS: ReadonlySet<string> = new Set(["numoffice", "numhome", "nummobile", "numsms", "nummobil2", "numfax", "numother"]);
const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([...CONTACT_FIELDS, "uc_app_name", "uc_external_id", "ext_info"]);
/** A sync coordinate is an identifier: longer ones are refused rather than cut, or two could collide. */
const MAX_COORDINATE_LENGTH = 255;

export type ImportDecision =
  | { kind: "skip"; externalId: string; reason: string }
  | { kind: "store"; appName: string; externalId: string; values: ContactValues; warnings: string[] };

/** Decides what happens to one element of the `contacts` array. `index` is its 1-based position. */
export function decideContact(raw: unknown, index: number): ImportDecision {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { kind: "skip", externalId: "", reason: `contact #${index} is not a JSON object` };
  }
  const input = raw as Record<string, unknown>;
  const externalId = (textOf(input["uc_external_id"]) ?? "").trim();
  const appName = (textOf(input["uc_app_name"]) ?? "").trim();
  if (externalId === "") return { kind: "skip", externalId, reason: "uc_external_id is missing or empty" };
  if (appName === "") return { kind: "skip", externalId, reason: "uc_app_name is missing or empty" };
  if (externalId.length > MAX_COORDINATE_LENGTH || appName.length > MAX_COORDINATE_LENGTH) {
    return { kind: "skip", externalId: externalId.slice(0, MAX_COORDINATE_LENGTH), reason: `uc_app_name or uc_external_id is longer than ${MAX_COORDINATE_LENGTH} characters` };
  }

  const warnings: string[] = [];
  const values = { ext_info: [] } as unknown as ContactValues;
  for (const field of CONTACT_FIELDS) {
    const given = input[field];
    let value = given === undefined || given === null ? "" : textOf(given);
    if (value === undefined) {
      warnings.push(`${field} ignored: not a string`);
      value = "";
    }
    if (NUMBER_FIELDS.has(field)) {
      const clean = sanitizeNumber(value);
      if (clean !== value) warnings.push(`${field} sanitized: ${JSON.stringify(value)} -> ${JSON.stringify(clean)}`);
      value = clean;
    } else {
      value = value.trim();
    }
    const fitted = fitField(field, value);
    if (fitted.warning) warnings.push(fitted.warning);
    values[field] = fitted.value;
  }
  if (values.name === "" && values.surname === "" && values.company === "") {
    return { kind: "skip", externalId, reason: "no name, surname or company" };
  }
  const extInfo = readExtInfo(input["ext_info"]);
  if (extInfo.warning) warnings.push(extInfo.warning);
  values.ext_info = extInfo.blocks;
  const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) warnings.push(`unknown field${unknown.length > 1 ? "s" : ""} ignored: ${unknown.join(", ")}`);
  return { kind: "store", appName, externalId, values, warnings };
}

/** ext_info as a nested array or as a string holding that array's JSON; anything else is dropped with a warning. */
function readExtInfo(raw: unknown): { blocks: ExtInfoBlock[]; warning?: string } {
  if (raw === undefined || raw === null || raw === "") return { blocks: [] };
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { blocks: [], warning: "ext_info ignored: the string is not JSON" };
    }
  }
  if (!Array.isArray(value)) return { blocks: [], warning: "ext_info ignored: not a list of {caption, value} objects" };
  const blocks: ExtInfoBlock[] = [];
  let dropped = 0;
  for (const item of value) {
    const block = item as { caption?: unknown; value?: unknown } | null;
    const caption = typeof block === "object" && block !== null ? textOf(block.caption) : undefined;
    const text = typeof block === "object" && block !== null ? textOf(block.value ?? "") : undefined;
    if (caption === undefined || caption.trim() === "" || text === undefined) dropped += 1;
    else blocks.push({ caption, value: text });
  }
  return dropped === 0 ? { blocks } : { blocks, warning: `ext_info: ${dropped} block(s) without caption or value ignored` };
}
