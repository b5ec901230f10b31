// The one error type of the project: a stable code, a human message, a hint that says the fix.
import { redact } from "./redact.js";

/** Every code the project throws, with the hint shown when the thrower gives none. */
export const ERROR_HINTS = {
  // PBX protocol
  PBX_REJECTED: "The PBX answered outcome=1; read its error text above.",
  PBX_AUTH_FAILED: "Check the token of the integration module (VOISPEED_TOKEN) and that the module is enabled on the PBX.",
  PBX_UNKNOWN_SERVICE: "The PBX does not know this service: check the PBX firmware version and the endpoint URL.",
  PBX_CONTACT_NOT_FOUND: "The contact is not (or no longer) in the PBX phonebook.",
  PBX_HTTP_STATUS: "Check the PBX URL (it should end in /PBX/seri_endpoint.php) and the web server's logs.",
  PBX_TIMEOUT: "The PBX did not answer in time: raise pbx.timeoutMs, lower batchSize, or check the PBX load.",
  PBX_CONNECTION_REFUSED: "Nothing listens at the PBX address: check the host, the port and any firewall.",
  PBX_CONNECTION_RESET: "The PBX closed the connection: check a proxy or firewall in between, and the PBX web server.",
  PBX_DNS: "The PBX host name does not resolve: check pbx.url.",
  PBX_TLS: "The PBX certificate is not trusted: give its CA with pbx.caFile (verification stays on).",
  PBX_NETWORK: "A network error reached the PBX: check connectivity.",
  PBX_EMPTY_RESPONSE: "The PBX answered with an empty body: a PHP endpoint does this when the request was too large (post_max_size) or crashed.",
  PBX_HTML_RESPONSE: "The PBX answered with an HTML page (often a login or error page): check that the URL points at seri_endpoint.php.",
  PBX_MALFORMED_RESPONSE: "The PBX answer is not the XML the guide describes: check the URL and the PBX version.",
  PBX_BATCH_TOO_LARGE: "Lower batchSize or batchMaxBytes in the job's config.",
  // Configuration and input
  CONFIG_INVALID: "Fix the listed problems in the configuration file.",
  CONFIG_NOT_FOUND: "Check the path given to --config.",
  CONFIG_ENV_MISSING: "Export the variable, or remove the ${...} reference from the configuration.",
  MAPPING_INVALID: "Fix the mapping file at the path shown.",
  MAPPING_RECORD: "Fix the source record, or relax the mapping rule that rejected it.",
  SOURCE_NOT_FOUND: "Check the source path in the job's config.",
  SOURCE_CSV_PARSE: "Fix the row in the CSV file, or check the delimiter and encoding options.",
  SOURCE_READ_FAILED: "The source could not be read to the end; no deletions were made.",
  SOURCE_SQL: "Check the query, the connection settings and the database user's rights.",
  SOURCE_REST: "Check the REST source's URL, credentials and paging settings.",
  SOURCE_CARDDAV: "Check the CardDAV source's URL, user name, password and address book names.",
  CONTACT_INVALID: "The mapped contact does not fit the PBX's contact schema; fix the mapping.",
  // Store, runs, scheduler
  STORE_FAILED: "Check the store settings and that the database is reachable and writable.",
  JOB_LOCKED: "Another run of this job is in progress; wait for it or check the lock owner.",
  RUN_CLAIMED: "Another daemon sharing the store runs this scheduled run; nothing to do here.",
  JOB_NOT_FOUND: "Check the job name against the jobs in the configuration.",
  RUN_NOT_FOUND: "List runs with `phonebook-sync reports list`.",
  NOTIFY_FAILED: "Check the webhook URL or the SMTP settings in notifications:; the daemon goes on without them.",
  GUARD_TRIPPED: "Check the source; if the deletions are intended, raise the limit or pass --allow-mass-delete.",
  USAGE: "Run the command with --help.",
  INTERNAL: "This is a bug in phonebook-sync; please report it with the log.",
} as const;

export type ErrorCode = keyof typeof ERROR_HINTS;

export interface SyncErrorDetails {
  /** Help for the user: what to check or change. Defaults to the code's hint. */
  hint?: string;
  /** HTTP status of a PBX answer. */
  status?: number;
  /** A short excerpt of a PBX answer body. */
  bodyExcerpt?: string;
  /** Where bad input was found. */
  file?: string;
  line?: number;
  record?: string;
  field?: string;
  /** The PBX's own <error> text. */
  pbxError?: string;
  /** How long the server asked to wait before the next try (Retry-After on 429/503). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The base error: every module throws this. The message and hint pass through
 * `redact`, so a registered secret (the PBX token) can never leave in them.
 */
export class SyncError extends Error {
  override readonly name = "SyncError";
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status: number | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly record: string | undefined;
  readonly field: string | undefined;
  readonly pbxError: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, details: SyncErrorDetails = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: scrubCause(details.cause) });
    this.code = code;
    this.hint = redact(details.hint ?? ERROR_HINTS[code]);
    this.status = details.status;
    this.bodyExcerpt = details.bodyExcerpt === undefined ? undefined : redact(details.bodyExcerpt);
    this.file = details.file;
    this.line = details.line;
    this.record = details.record;
    this.field = details.field;
    this.pbxError = details.pbxError === undefined ? undefined : redact(details.pbxError);
    this.retryAfterMs = details.retryAfterMs;
    if (this.stack) this.stack = redact(this.stack);
  }

  /** "file:line field" where known, for messages about bad input. */
  get location(): string | undefined {
    const parts: string[] = [];
    if (this.file) parts.push(this.line === undefined ? this.file : `${this.file}:${this.line}`);
    else if (this.line !== undefined) parts.push(`line ${this.line}`);
    if (this.record) parts.push(`record ${this.record}`);
    if (this.field) parts.push(`field "${this.field}"`);
    return parts.length > 0 ? parts.join(", ") : undefined;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      status: this.status,
      file: this.file,
      line: this.line,
      record: this.record,
      field: this.field,
      pbxError: this.pbxError,
    };
  }
}

export function isSyncError(err: unknown, code?: ErrorCode): err is SyncError {
  return err instanceof SyncError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a SyncError, keeping a SyncError as it is. */
export function toSyncError(err: unknown, code: ErrorCode = "INTERNAL"): SyncError {
  if (err instanceof SyncError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError(code, message, { cause: err });
}

/** Causes come from libraries (undici, knex) and may quote a URL: keep their shape, drop secrets. */
function scrubCause(cause: unknown): unknown {
  if (cause instanceof Error) {
    try {
      cause.message = redact(cause.message);
      if (cause.stack) cause.stack = redact(cause.stack);
    } catch {
      // a frozen error keeps its text; it never held our URL in practice
    }
  }
  return cause;
}
