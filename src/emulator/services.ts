// The phonebook services of seri_endpoint.php: each takes the request's parameters and returns the XML answer.
import { decideContact } from "./import-rules.js";
import type { ContactField, ContactValues, Phonebook } from "./phonebook.js";
import { sanitizeNumber } from "./sanitize.js";
import type { StoredContact } from "./types.js";
import { errorXml, list, okXml, type XmlChild } from "./xml.js";

export interface ServiceRequest {
  method: string;
  query: URLSearchParams;
  /** $_POST["contacts"]: every value sent under that name. */
  contacts: string[];
  /** File parts named contacts (PHP would not see them in $_POST). */
  contactFiles: number;
  contactErrors: Readonly<Record<string, string>>;
  /** External ids a fault leaves out of verbose_output (they are stored all the same). */
  omitContacts: ReadonlySet<string>;
  /** How many of the request's last contacts a fault leaves out of verbose_output. */
  omitLast: number;
}

export interface ServiceLimits {
  maxContactsPerRequest: number;
  searchLimit: number;
}

export interface ServiceAnswer {
  xml: string;
  /** The error text of an outcome=1 answer. */
  error?: string;
  contacts?: number;
}

export const SERVICES = ["phonebook_import_sync", "add_phonebook", "update_phonebook", "delete_phonebook", "get_phonebook"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** add_phonebook / update_phonebook parameter names and the stored fields they fill. */
const PARAM_FIELDS: ReadonlyArray<[param: string, field: ContactField]> = [
  ["name", "name"],
  ["surname", "surname"],
  ["company", "company"],
  ["office", "numoffice"],
  ["home", "numhome"],
  ["mobile", "nummobile"],
  ["fax", "numfax"],
  ["other", "numother"],
  ["email", "email"],
];

export function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

export function runService(service: ServiceName, request: ServiceRequest, phonebook: Phonebook, limits: ServiceLimits): ServiceAnswer {
  switch (service) {
    case "phonebook_import_sync":
      return importSync(request, phonebook, limits);
    case "add_phonebook":
      return addPhonebook(request.query, phonebook);
    case "update_phonebook":
      return updatePhonebook(request.query, phonebook);
    case "delete_phonebook":
      return deletePhonebook(request.query, phonebook);
    case "get_phonebook":
      return getPhonebook(request.query, phonebook, limits.searchLimit);
  }
}

function refuse(error: string): ServiceAnswer {
  return { xml: errorXml(error), error };
}

function importSync(request: ServiceRequest, phonebook: Phonebook, limits: ServiceLimits): ServiceAnswer {
  if (request.method !== "POST") return refuse("phonebook_import_sync must be called with POST");
  if (request.contacts.length === 0) {
    return refuse(request.contactFiles > 0 ? "missing parameter contacts (it was sent as a file, not as a form field)" : "missing parameter contacts");
  }
  if (request.contacts.length > 1) return refuse("parameter contacts given more than once");
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.contacts[0] ?? "");
  } catch (err) {
    return refuse(`contacts is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(parsed)) return refuse("contacts is not a JSON array of contacts");
  if (parsed.length > limits.maxContactsPerRequest) {
    return refuse(`too many contacts in one request: ${parsed.length} (limit ${limits.maxContactsPerRequest})`);
  }
  const counts = { processed: 0, skipped: 0, warnings: 0, errors: 0 };
  const report: XmlChild[][] = [];
  phonebook.transaction(() => {
    parsed.forEach((raw: unknown, index) => {
      counts.processed += 1;
      const decision = decideContact(raw, index + 1);
      if (decision.kind === "skip") {
        counts.skipped += 1;
        report.push(entry(decision.externalId, "", "skip", decision.reason));
        return;
      }
      const failure = request.contactErrors[decision.externalId];
      if (failure !== undefined) {
        counts.errors += 1;
        report.push(entry(decision.externalId, "", "error", failure));
        return;
      }
      const { id, act } = phonebook.upsert(decision.appName, decision.externalId, decision.values);
      if (decision.warnings.length > 0) counts.warnings += 1;
      report.push(entry(decision.externalId, String(id), act, decision.warnings.join("; ")));
    });
  });
  const children: XmlChild[] = [
    ["processed", counts.processed],
    ["skipped", counts.skipped],
    ["warnings", counts.warnings],
    ["errors", counts.errors],
  ];
  if (request.query.get("verbose_output") === "1") children.push(["contacts", list("contact", shown(report, request))]);
  return { xml: okXml(children), contacts: parsed.length };
}

/** The verbose report less the contacts a fault leaves out of it. */
function shown(report: XmlChild[][], request: ServiceRequest): XmlChild[][] {
  const keep = report.length - request.omitLast;
  return report.filter((item, index) => index < keep && !request.omitContacts.has(String(item[0]?.[1] ?? "")));
}

function entry(externalId: string, id: string, act: string, info: string): XmlChild[] {
  return [
    ["uc_external_id", externalId],
    ["id", id],
    ["act", act],
    ["info", info],
  ];
}

/** The contact fields given as add/update_phonebook parameters, numbers sanitized. */
function paramFields(query: URLSearchParams): Partial<Record<ContactField, string>> {
  const fields: Partial<Record<ContactField, string>> = {};
  for (const [param, field] of PARAM_FIELDS) {
    const value = query.get(param);
    if (value === null) continue;
    fields[field] = field.startsWith("num") ? sanitizeNumber(value) : value.trim();
  }
  return fields;
}

function addPhonebook(query: URLSearchParams, phonebook: Phonebook): ServiceAnswer {
  const fields = paramFields(query);
  if (!fields.name && !fields.surname && !fields.company) return refuse("a contact needs a name, surname or company");
  const values = { ext_info: [] } as unknown as ContactValues;
  for (const [, field] of PARAM_FIELDS) values[field] = fields[field] ?? "";
  values.numsms = "";
  values.nummobil2 = "";
  return { xml: okXml([["contact_id", phonebook.add(values)]]) };
}

function contactId(query: URLSearchParams): number | undefined {
  const raw = query.get("contact_id")?.trim() ?? "";
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function updatePhonebook(query: URLSearchParams, phonebook: Phonebook): ServiceAnswer {
  if (!query.has("contact_id")) return refuse("missing parameter contact_id");
  const id = contactId(query);
  if (id === undefined || !phonebook.update(id, paramFields(query))) return refuse("contact not found");
  return { xml: okXml() };
}

function deletePhonebook(query: URLSearchParams, phonebook: Phonebook): ServiceAnswer {
  if (query.has("contact_id")) {
    const id = contactId(query);
    return id !== undefined && phonebook.deleteById(id) ? { xml: okXml() } : refuse("contact not found");
  }
  const appName = query.get("app_name")?.trim() ?? "";
  const externalId = query.get("external_contact_id")?.trim() ?? "";
  if (appName === "" || externalId === "") return refuse("missing parameter contact_id (or app_name and external_contact_id)");
  return phonebook.deleteByCoordinates(appName, externalId) ? { xml: okXml() } : refuse("contact not found");
}

function getPhonebook(query: URLSearchParams, phonebook: Phonebook, searchLimit: number): ServiceAnswer {
  const found = phonebook.search((query.get("search") ?? "").trim(), searchLimit);
  return { xml: okXml([["contacts", list("contact", found.map(phonebookEntry))]]) };
}

/** A contact as get_phonebook lists it: the guide's fields, plus id and the sync coordinates. */
function phonebookEntry(contact: StoredContact): XmlChild[] {
  return [
    ["id", contact.id],
    ["name", contact.name],
    ["surname", contact.surname],
    ["company", contact.company],
    ["office", contact.numoffice],
    ["home", contact.numhome],
    ["mobile", contact.nummobile],
    ["fax", contact.numfax],
    ["other", contact.numother],
    ["email", contact.email],
    ["is_favourite", contact.is_favourite ? 1 : 0],
    ["uc_app_name", contact.uc_app_name ?? ""],
    ["uc_external_id", contact.uc_external_id ?? ""],
  ];
}
