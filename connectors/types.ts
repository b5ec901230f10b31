// The connector contract: every source (CSV, SQL, REST) is a plain object of this shape.
import type { z } from "zod";
import type { Logger } from "pino";
import type { ErrorCode } from "../src/errors.js";

/** One record read from a source. `ref` locates it for humans: CSV line, SQL key, REST page/item. */
export interface SourceRecord {
  kind: "record";
  ref: string;
  fields: Readonly<Record<string, unknown>>;
  /**
   * A 64-bit fingerprint of the record as read, when the connector has a cheap one (a CSV row's text under its
   * header and dialect): records with equal fingerprints must have equal fields. The sync then hashes no JSON.
   */
  fingerprint?: bigint;
}

/** A record the source could not read (a malformed CSV row...): reported, and the read goes on. */
export interface SourceProblem {
  kind: "problem";
  ref: string;
  code: ErrorCode;
  message: string;
  /**
   * What could still be read of the broken record, by column; values may sit under the wrong columns.
   * Only used to recognise a contact already on the PBX, so that a broken record never makes it look
   * vanished. Left out when the record's extent is unknown (then it may hide any contact).
   */
  fields?: Readonly<Record<string, unknown>>;
}

/**
 * A record that exists and has not changed since the last complete run (an incremental source): only its key was
 * read. It keeps its contact off the deletion list; nothing is mapped or sent for it.
 */
export interface SourcePresent {
  kind: "present";
  ref: string;
  /** The key column only. */
  fields: Readonly<Record<string, unknown>>;
}

/** The longest watermark the store keeps (characters): a source with a longer one yields none, and reads in full. */
export const WATERMARK_MAX_LENGTH = 4000;

/** An incremental source's newest change value when the read began: where the next run starts, if this one completes. */
export interface SourceWatermark {
  kind: "watermark";
  value: string;
}

/**
 * Something about the source as a whole that the read worked around (a CSV file that is not UTF-8, read as
 * windows-1252): a warning row in the run's report, with no contact. The read goes on.
 */
export interface SourceWarning {
  kind: "warning";
  /** Where in the source it shows ("line 12"). */
  ref: string;
  message: string;
}

export type SourceItem = SourceRecord | SourceProblem | SourcePresent | SourceWatermark | SourceWarning;

/** Where an item is in its source ("line 17", "id 1042"); a watermark is nowhere. */
export function refOf(item: SourceItem): string | undefined {
  return item.kind === "watermark" ? undefined : item.ref;
}

export interface ConnectorContext {
  /** Directory of the configuration file: relative paths in a source config resolve against it. */
  baseDir: string;
  /**
   * For a source that reads incrementally: the watermark of the last complete run. Records changed since are read
   * whole, the others as `present` keys. Undefined: read everything (a first run, --full, a changed mapping).
   * (For the one-shot `read(config, ctx)`; a handle's read takes it in its ReadOptions.)
   */
  since?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Registers a secret the source obtained at run time (an OAuth access token): from then on it is masked in
   * every log line, message and report, like the PBX token. Defaults to the process-wide registry.
   */
  registerSecret?: (secret: string) => void;
}

/** What an incremental source remembers of one record between runs: where it is, its version, its key. */
export interface RefVersion {
  /** Where the record is (a CardDAV card's href). */
  ref: string;
  /** Its version as the source tells it without sending the record (an ETag). */
  version: string;
  /** Its key column's value (a vCard's UID): what a `present` item for it carries. */
  key: string;
}

/**
 * The sync's memory of an incremental source's records, kept in the store per job and source (a CardDAV source's
 * hrefs, ETags and UIDs). A version is *settled* once the run that read it ended success or partial without an
 * error for its contact; `lookup` returns settled versions only, so a record whose push failed is read whole again.
 * In a dry run nothing is written; in a `--full` run `lookup` finds nothing.
 */
export interface SourceRefs {
  /** The settled version and key of each of these refs that has one; marks them listed by this run. */
  lookup(refs: readonly string[]): Promise<Map<string, { version: string; key: string }>>;
  /** Remembers records read whole in this run (unsettled until the run ends well). */
  remember(entries: readonly RefVersion[]): Promise<void>;
  /** Forgets records the source says are gone. */
  forget(refs: readonly string[]): Promise<void>;
  /** Every remembered ref and key, settled or not, in pages: the unchanged records a delta read does not list. */
  all(): AsyncIterable<{ ref: string; key: string }>;
  /**
   * After a complete listing: forgets every ref this run neither looked up nor remembered (gone from the source);
   * with `under`, only the refs starting with one of these prefixes (the address books listed whole).
   */
  pruneUnlisted(under?: readonly string[]): Promise<void>;
}

/** What one read of an opened source takes. */
export interface ReadOptions {
  /** See ConnectorContext.since. */
  since?: string;
  signal?: AbortSignal;
  /** For a source whose check says `incremental.refs`: the sync's memory of its records (see SourceRefs). */
  refs?: SourceRefs;
}

export interface CheckResult {
  /**
   * The columns/fields the source yields, when it can tell before reading (CSV header, SQL columns; for a nested
   * JSON source the shape paths of its first page's records, as `properties.firstname` or `phones[].value`).
   */
  columns?: string[];
  /**
   * Set by a source configured to read incrementally: its key column (the external id must come from it alone,
   * since unchanged records are only read as keys) and what identifies its rows (query, table...) for the watermark.
   */
  incremental?: {
    keyColumn: string;
    identity: string;
    /** The source keeps per-record versions through ReadOptions.refs (CardDAV's ETags). */
    refs?: boolean;
  };
  /** What the check found worth saying that is not an error (a CSV file read as windows-1252), one sentence each. */
  warnings?: string[];
  /** What the source will read or leave, one line each for `validate`: "reads address book ..." (a CardDAV source's books). */
  found?: string[];
}

/**
 * An opened source: `check` and `read` share its connection, login or access token (one per run, not one per
 * call); `close` ends them. A handle is used by one run at a time; close it even when check or read threw.
 */
export interface SourceHandle {
  /** Tests the source (file readable, connection works, first page parses) without reading it all. Throws a SyncError. */
  check(): Promise<CheckResult>;
  /**
   * Streams the source's records. Throws a SyncError (SOURCE_READ_FAILED or a more precise code) when the read
   * fails or is cut short: the caller must then treat the read as incomplete.
   */
  read(options?: ReadOptions): AsyncIterable<SourceItem>;
  close(): Promise<void>;
}

/** What a connector module defines. */
export interface ConnectorDefinition<C> {
  type: string;
  /** zod schema of the connector's config (secrets marked in their description). */
  configSchema: z.ZodType<C>;
  /** The secrets in a config (a database password, an API token): kept out of every log line and message. */
  secrets?(config: C): string[];
  /** Opens the source (connects, logs in): throws a SyncError when it cannot. */
  open(config: C, ctx: ConnectorContext): Promise<SourceHandle>;
}

/** A connector: its definition, plus one-shot check and read that open and close a handle of their own. */
export interface Connector<C> extends ConnectorDefinition<C> {
  check(config: C, ctx: ConnectorContext): Promise<CheckResult>;
  read(config: C, ctx: ConnectorContext): AsyncIterable<SourceItem>;
}

/** Typing helper: `export const xConnector = defineConnector({...})`; adds the one-shot check and read. */
export function defineConnector<C>(definition: ConnectorDefinition<C>): Connector<C> {
  return {
    ...definition,
    async check(config, ctx) {
      const handle = await definition.open(config, ctx);
      try {
        return await handle.check();
      } finally {
        await handle.close();
      }
    },
    async *read(config, ctx) {
      const handle = await definition.open(config, ctx);
      try {
        yield* handle.read({ ...(ctx.since !== undefined ? { since: ctx.since } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
      } finally {
        await handle.close();
      }
    },
  };
}

/** A handle for a source with nothing to keep open between calls (a file read afresh each time). */
export function statelessHandle(
  ctx: ConnectorContext,
  calls: { check(ctx: ConnectorContext): Promise<CheckResult>; read(ctx: ConnectorContext): AsyncIterable<SourceItem> },
): SourceHandle {
  return {
    check: () => calls.check(ctx),
    read: (options = {}) => calls.read({ ...ctx, ...options }),
    close: () => Promise.resolve(),
  };
}
