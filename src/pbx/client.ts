// The VOIspeed PBX client: typed calls to the phonebook services of seri_endpoint.php.
import { SyncError } from "../errors.js";
import { registerSecret } from "../redact.js";
import type { PbxContact } from "./contact.js";
import { serviceUrl } from "./endpoint.js";
import { readImportSyncAnswer } from "./import-answer.js";
import { checkContacts, contactsBody, encodeContacts } from "./multipart.js";
import { resolveOptions, type ResolvedOptions } from "./options.js";
import { addedContactId, importSyncResult, phonebookEntries } from "./results.js";
import { Transport, type HttpAnswer } from "./transport.js";
import {
  PHONEBOOK_FIELDS,
  type CallOptions,
  type DeleteTarget,
  type GetPhonebookOptions,
  type ImportSyncOptions,
  type ImportSyncResult,
  type PbxClientOptions,
  type PhonebookEntry,
  type PhonebookFields,
} from "./types.js";
import { readResult, type XmlNode } from "./xml.js";

export class PbxClient {
  /** The endpoint URL, without the token: safe to print and to store. */
  readonly endpoint: string;
  private readonly options: ResolvedOptions;
  private readonly transport: Transport;

  constructor(options: PbxClientOptions) {
    // First of all, so that not even an option error can quote the token.
    if (typeof options.token === "string") registerSecret(options.token);
    this.options = resolveOptions(options);
    this.endpoint = this.options.endpoint;
    this.transport = new Transport(this.options);
  }

  /**
   * phonebook_import_sync: upserts the contacts on (uc_app_name, uc_external_id). With verbose output
   * (the default) the result lists the PBX's act and info per contact; the caller matches them by
   * external id, as the PBX may report fewer or more contacts than were sent.
   */
  async importSync(contacts: readonly PbxContact[], options: ImportSyncOptions = {}): Promise<ImportSyncResult> {
    checkContacts(contacts);
    if (contacts.length === 0) return { processed: 0, skipped: 0, warnings: 0, errors: 0, contacts: [] };
    const verbose = options.verbose ?? true;
    const { body, headers } = contactsBody(encodeContacts(contacts, this.options.extInfoEncoding));
    const params: Record<string, string> = verbose ? { verbose_output: "1" } : {};
    // The one big answer of a sync: read by its own fast reader, fast-xml-parser behind it.
    const result = await this.call("phonebook_import_sync", params, options, { body, headers }, readImportSyncAnswer);
    const parsed = importSyncResult(result);
    return verbose ? parsed : { ...parsed, contacts: [] };
  }

  /** delete_phonebook: by app name and external id (a synchronized contact) or by PBX contact id. */
  async deletePhonebook(target: DeleteTarget, options: CallOptions = {}): Promise<void> {
    const params: Record<string, string> =
      "contactId" in target
        ? { contact_id: requireText("contactId", String(target.contactId)) }
        : { app_name: requireText("appName", target.appName), external_contact_id: requireText("externalId", target.externalId) };
    await this.call("delete_phonebook", params, options);
  }

  /** get_phonebook: contacts whose name, company, email or numbers match `search`. */
  async getPhonebook(search: string, options: GetPhonebookOptions = {}): Promise<PhonebookEntry[]> {
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
      throw new SyncError("USAGE", `invalid get_phonebook limit ${options.limit}: use a whole number >= 0`, { field: "limit" });
    }
    const entries = phonebookEntries(await this.call("get_phonebook", { search }, options));
    return options.limit === undefined ? entries : entries.slice(0, options.limit);
  }

  /** add_phonebook: a contact of the PBX's own (not synchronized); returns its new id. */
  async addPhonebook(contact: PhonebookFields, options: CallOptions = {}): Promise<{ contactId: string }> {
    return { contactId: addedContactId(await this.call("add_phonebook", fieldParams(contact), options)) };
  }

  /** update_phonebook: overwrites the given fields of the contact with that id. */
  async updatePhonebook(contactId: number | string, fields: PhonebookFields, options: CallOptions = {}): Promise<void> {
    await this.call("update_phonebook", { contact_id: requireText("contactId", String(contactId)), ...fieldParams(fields) }, options);
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  /** One service call: GET with query parameters, or POST with a body; returns the <result> of outcome=0. */
  private async call(
    service: string,
    params: Record<string, string>,
    options: CallOptions,
    post?: { body: Buffer; headers: Record<string, string> },
    read: (answer: HttpAnswer, service: string) => XmlNode = readResult,
  ): Promise<XmlNode> {
    const answer = await this.transport.send({
      service,
      method: post ? "POST" : "GET",
      url: serviceUrl(this.endpoint, service, this.options.token, params),
      ...(post ?? {}),
      signal: options.signal,
    });
    return read(answer, service);
  }
}

function fieldParams(fields: PhonebookFields): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of PHONEBOOK_FIELDS) {
    const value = fields[name];
    if (value !== undefined) params[name] = value;
  }
  return params;
}

function requireText(field: string, value: string): string {
  if (value.trim() === "") throw new SyncError("USAGE", `${field} must not be empty`, { field });
  return value;
}
