// The PBX client's public shapes: its options, and the results of each phonebook service.
import type { Logger } from "../logger.js";

/** How ext_info travels inside the `contacts` JSON: the guide shows a nested array but never says. */
export type ExtInfoEncoding = "array" | "json-string";

export interface PbxClientOptions {
  /** The endpoint URL. A path not ending in ".php" gets "/PBX/seri_endpoint.php" appended, so "https://pbx.example.com" works. */
  url: string;
  /** The integration module's token: sent in the query string, never printed. */
  token: string;
  /** Default 30000: the whole request (connect + headers + body). Range 100..600000. */
  timeoutMs?: number;
  /** A PEM file of a CA trusted in addition to the system CAs (a self-signed PBX). Verification stays on. */
  caFile?: string;
  /** Default "array": ext_info as a nested JSON array; "json-string": as a string holding that JSON. */
  extInfoEncoding?: ExtInfoEncoding;
  /** Default true: connections are kept open and reused across requests. */
  keepAlive?: boolean;
  /** Default 4: most connections open to the PBX at once. Range 1..64. */
  connections?: number;
  /** Debug lines for each request and answer, with the URL redacted. */
  logger?: Logger;
}

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the request (a shutdown); the call then fails with PBX_NETWORK. */
  signal?: AbortSignal;
}

export interface ImportSyncOptions extends CallOptions {
  /** Default true: ask for the per-contact report (verbose_output=1). */
  verbose?: boolean;
}

export interface ImportSyncContactResult {
  uc_external_id: string;
  /** The PBX contact id; null when the PBX sent none (a skipped or failed contact). */
  id: string | null;
  /** Lowercased: "insert" | "update" as the guide says, "skip" | "error" as the emulator (and, we expect, the PBX) adds. */
  act: "insert" | "update" | "skip" | "error" | (string & {});
  /** The PBX's warning or error text for this contact, "" when none. */
  info: string;
}

export interface ImportSyncResult {
  processed: number;
  skipped: number;
  warnings: number;
  errors: number;
  /** One entry per contact the PBX reported on; empty without verbose output. */
  contacts: ImportSyncContactResult[];
}

/** Where delete_phonebook finds a contact: a synchronized one by its coordinates, or any one by PBX id. */
export type DeleteTarget = { appName: string; externalId: string } | { contactId: number | string };

/** The fields add_phonebook and update_phonebook take, in the PBX's names. */
export interface PhonebookFields {
  name?: string;
  surname?: string;
  company?: string;
  office?: string;
  home?: string;
  mobile?: string;
  fax?: string;
  other?: string;
  email?: string;
}

export const PHONEBOOK_FIELDS = ["name", "surname", "company", "office", "home", "mobile", "fax", "other", "email"] as const;

/** One contact of a get_phonebook answer. Fields the PBX leaves out are "" (or null for the ids). */
export interface PhonebookEntry extends Required<PhonebookFields> {
  id: string | null;
  is_favourite: boolean;
  uc_app_name: string | null;
  uc_external_id: string | null;
}

export interface GetPhonebookOptions extends CallOptions {
  /** Most entries returned. The guide has no such parameter, so the list is cut on our side. */
  limit?: number;
}
