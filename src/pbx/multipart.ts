// The phonebook_import_sync body: contacts checked against the schema, then one multipart field "contacts" of JSON.
import FormData from "form-data";
import { SyncError } from "../errors.js";
import { validateContact, type PbxContact } from "./contact.js";
import type { ExtInfoEncoding } from "./types.js";

export interface MultipartBody {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Checks each contact (a guard: the caller validates too) and throws CONTACT_INVALID naming the
 * contact's uc_external_id and the field, before anything leaves for the PBX.
 */
export function checkContacts(contacts: readonly PbxContact[]): void {
  contacts.forEach((contact, index) => {
    const checked = validateContact(contact);
    if (checked.ok) return;
    const externalId = (contact as { uc_external_id?: unknown } | null)?.uc_external_id;
    const record = typeof externalId === "string" && externalId !== "" ? externalId : `#${index + 1}`;
    const first = checked.problems[0] ?? "(contact): invalid";
    throw new SyncError("CONTACT_INVALID", `contact ${record} (number ${index + 1} of the batch) is invalid: ${checked.problems.join("; ")}`, {
      record,
      field: first.slice(0, first.indexOf(":")),
    });
  });
}

/** The contacts as the PBX reads them: ext_info stays a nested array, or becomes a string holding its JSON. */
export function encodeContacts(contacts: readonly PbxContact[], extInfoEncoding: ExtInfoEncoding): string {
  if (extInfoEncoding === "array") return JSON.stringify(contacts);
  return JSON.stringify(
    contacts.map((contact) => (contact.ext_info === undefined ? contact : { ...contact, ext_info: JSON.stringify(contact.ext_info) })),
  );
}

/**
 * A multipart/form-data body holding exactly one plain field, "contacts": no filename and no part
 * content type, so PHP puts it in $_POST["contacts"] as the guide expects, not in $_FILES.
 */
export function contactsBody(json: string): MultipartBody {
  const form = new FormData();
  form.append("contacts", json);
  const body = form.getBuffer();
  return { body, headers: { ...form.getHeaders(), "content-length": String(body.length) } };
}
