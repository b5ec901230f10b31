// The emulator's public shapes: start options, a stored contact, and a fault to inject.
import type { ExtInfoBlock } from "../pbx/contact.js";
import type { Latency } from "./latency.js";

export interface EmulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: the emulator is for loopback use and has no TLS. */
  host?: string;
  /** The token every request must carry. */
  token: string;
  /** A SQLite file that keeps the phonebook between runs; default in memory. */
  dbFile?: string;
  /** Default 1000: a phonebook_import_sync request with more contacts is refused. */
  maxContactsPerRequest?: number;
  /** Default 8 MiB, PHP's default post_max_size: a larger body is refused. */
  postMaxBytes?: number;
  /** Default 500: most contacts one get_phonebook answer lists. */
  searchLimit?: number;
  /**
   * Default none: a slow PBX, every phonebook_import_sync answer held until baseMs + perContactMs × its
   * contacts after the request arrived (a timer: requests wait side by side). A request refused whole waits
   * baseMs; a fault's answer in place of the service is not held.
   */
  latency?: Latency;
}

export const EMULATOR_DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  maxContactsPerRequest: 1_000,
  postMaxBytes: 8 * 1024 * 1024,
  searchLimit: 500,
} as const;

/** Where the emulator serves the guide's endpoint; any path ending in seri_endpoint.php works. */
export const EMULATOR_PATH = "/PBX/seri_endpoint.php";

/** A contact as the emulator stores it: PBX contact id, the guide's fields, and the sync coordinates. */
export interface StoredContact {
  id: number;
  name: string;
  surname: string;
  company: string;
  numoffice: string;
  numhome: string;
  nummobile: string;
  numsms: string;
  nummobil2: string;
  numfax: string;
  numother: string;
  email: string;
  /** null for the PBX's own contacts (add_phonebook). */
  uc_app_name: string | null;
  uc_external_id: string | null;
  ext_info: ExtInfoBlock[];
  is_favourite: boolean;
}

/**
 * Something to go wrong on the next matching request(s), for reliability tests. Effects combine in
 * this order: delay, then go away, reset, status, body, malformed XML or outcome error (each answers in
 * place of the service); otherwise the service runs, under maxContactsPerRequest, contactErrors and the
 * omissions, and its answer may then be cut (truncatedXml, resetMidAnswer).
 */
export interface Fault {
  /** The service it applies to; any service when absent. */
  service?: string;
  /** Default 1: how many requests it applies to. */
  times?: number;
  /**
   * Default 0: how many matching requests pass before it applies, counted from when it was queued, whatever
   * happened to them. With batches sent one at a time, `after: 2` hits the third batch.
   */
  after?: number;
  /** Wait this long before answering (or before the other effects). */
  delayMs?: number;
  /**
   * The PBX goes away: the emulator stops listening and drops every open connection, this request's
   * unanswered, so that new connections are refused (ECONNREFUSED), as a PBX that restarts or is switched off.
   */
  goAway?: boolean;
  /** With goAway: listen again on the same port after this many milliseconds; without it, only reopen() does. */
  backAfterMs?: number;
  /** Drop the connection without an answer, after reading the request. */
  reset?: boolean;
  /** Answer with this HTTP status and a web server's error page. */
  status?: number;
  /** With status: a Retry-After header asking for this many seconds. */
  retryAfter?: number;
  /** Answer HTTP 200 with exactly this body. */
  body?: string;
  /** Answer HTTP 200 with an answer that is whole but not well-formed XML (an unescaped `&`); the service does not run. */
  malformedXml?: boolean;
  /** Answer outcome=1 with this error text. */
  outcomeError?: string;
  /**
   * phonebook_import_sync: refuse a request with more contacts than this, with the outcome=1 text of the
   * emulator's own limit (`too many contacts in one request`), as a PBX refuses a batch too large.
   */
  maxContactsPerRequest?: number;
  /** phonebook_import_sync: these external ids fail with act=error and this info text. */
  contactErrors?: Record<string, string>;
  /** phonebook_import_sync: outcome=0 and the contacts stored, but these external ids are left out of verbose_output. */
  omitContacts?: string[];
  /** phonebook_import_sync: outcome=0 and the contacts stored, but the request's last k contacts are left out of verbose_output. */
  omitLast?: number;
  /**
   * The service runs (a phonebook_import_sync stores its contacts), then its answer is cut in the middle and
   * sent whole as HTTP 200 (Content-Length of the cut text), as from a PHP script killed while it printed.
   */
  truncatedXml?: boolean;
  /**
   * The service runs, then the headers and half of its answer are sent and the connection is dropped:
   * a reset mid-answer, after the PBX applied the request.
   */
  resetMidAnswer?: boolean;
}

/** One request the emulator answered, for tests and the admin endpoint (never with the token). */
export interface RequestLogEntry {
  at: string;
  method: string;
  service: string;
  /** Contacts in a phonebook_import_sync body. */
  contacts?: number;
  /** "fault": a fault answered in place of the service, or broke its answer. */
  outcome: "ok" | "refused" | "fault" | "not-found";
  error?: string;
  /** The fault this request took, described (e.g. "fault: HTTP 503, Retry-After 1 s"), whatever the outcome. */
  fault?: string;
  /** Under a latency: milliseconds from the request's arrival to its answer (the emulator's work included). */
  heldMs?: number;
}
