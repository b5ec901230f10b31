// The store's vocabulary: run and per-contact result shapes, outcomes, statuses and the Store contract.
import type { SourceRefs } from "../../connectors/types.js";
import type { JobLock, JobLockOptions } from "./locks.js";
import type { SourceRefsScope } from "./source-refs.js";

/** Where the store lives: an SQLite file (the embedded default) or a MySQL/MariaDB database. */
export type StoreOptions =
  | { client: "sqlite"; filename: string }
  | {
      client: "mysql";
      connection: { host: string; port?: number; user: string; password?: string; database: string; ssl?: unknown };
    };

export const DEFAULT_SQLITE_FILE = "./data/phonebook-sync.sqlite";

/** What happened to one contact in one run; "unchanged" contacts get no row, only a count. */
export type Outcome =
  | "inserted"
  | "updated"
  | "warning"
  | "skipped"
  | "invalid"
  | "duplicate"
  | "rejected"
  | "error"
  | "unconfirmed"
  | "deleted"
  /** In state, gone from the source, and not deleted because a deletion guard held the deletions back. */
  | "kept";

export const OUTCOMES: readonly Outcome[] = [
  "inserted",
  "updated",
  "warning",
  "skipped",
  "invalid",
  "duplicate",
  "rejected",
  "error",
  "unconfirmed",
  "deleted",
  "kept",
];

export type RunStatus = "running" | "success" | "partial" | "failed" | "aborted";

export const RUN_STATUSES: readonly RunStatus[] = ["running", "success", "partial", "failed", "aborted"];

export interface RunCounts {
  read: number;
  skipped: number;
  invalid: number;
  duplicates: number;
  unchanged: number;
  inserted: number;
  updated: number;
  rejected: number;
  warnings: number;
  errors: number;
  unconfirmed: number;
  deleted: number;
  /** Contacts gone from the source that a deletion guard kept on the PBX. */
  kept: number;
}

/** The count names, in the order reports print them; each is also a column of `runs`. */
export const COUNT_KEYS: readonly (keyof RunCounts)[] = [
  "read",
  "skipped",
  "invalid",
  "duplicates",
  "unchanged",
  "inserted",
  "updated",
  "rejected",
  "warnings",
  "errors",
  "unconfirmed",
  "deleted",
  "kept",
];

export interface RunRow {
  id: number;
  job: string;
  appName: string;
  trigger: string;
  pbx: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: Date;
  endedAt: Date | null;
  counts: RunCounts;
  error: string | null;
  pid: number | null;
  host: string | null;
  /** The schedule slot a daemon ran this for (ISO time, "+retryN" for a retry); null for other runs. */
  scheduledFor: string | null;
  /** Why this run pushed every contact again; null for an incremental run. */
  fullReason: string | null;
}

/** A contact's fields as sent to the PBX, without uc_app_name and uc_external_id (the row holds those). */
export interface SentContact {
  name?: string;
  surname?: string;
  company?: string;
  numoffice?: string;
  numhome?: string;
  nummobile?: string;
  numsms?: string;
  nummobil2?: string;
  numfax?: string;
  numother?: string;
  email?: string;
  ext_info?: ReadonlyArray<{ caption: string; value: string }>;
}

/** What a report row says beyond its outcome: the contact sent (or, for a deletion, last sent). */
export interface ResultDetail {
  sent?: SentContact;
  /** For an update: each field that changed, as the PBX last confirmed it (null: it was empty). */
  before?: Partial<Record<keyof SentContact, unknown>>;
}

export interface ContactResultInput {
  ref: string | null;
  appName: string;
  externalId: string | null;
  displayName?: string | null;
  outcome: Outcome;
  action?: "insert" | "update" | "delete" | null;
  pbxId?: string | null;
  info?: string | null;
  detail?: ResultDetail | null;
}

export interface ContactResultRow extends ContactResultInput {
  id: number;
  runId: number;
  seq: number;
}

export interface CreateRunInput {
  job: string;
  appName: string;
  trigger: string;
  /** The PBX endpoint URL, already redacted by the caller. */
  pbx: string;
  dryRun?: boolean;
  /** The schedule slot; a second run of the same job and slot fails with RUN_CLAIMED (another daemon has it). */
  scheduledFor?: string;
  fullReason?: string;
}

export interface FinishRunInput {
  status: RunStatus;
  counts: RunCounts;
  error?: string | null;
}

export interface ListRunsFilter {
  job?: string;
  limit?: number;
  offset?: number;
}

export interface LastRunFilter {
  /** Only runs that ended with one of these. */
  statuses?: readonly RunStatus[];
  /** Only full runs (a full reason on record). */
  full?: boolean;
}

/** Whose contact state: one PBX (by the hash of its printable endpoint) and one uc_app_name. */
export interface StateScope {
  pbxKey: string;
  appName: string;
}

export interface ContactState {
  externalId: string;
  pbxId: string | null;
  /** Hash of the contact as last confirmed by the PBX. */
  contactHash: string;
  /** Hash of the raw source record and the mapping that made that contact. */
  sourceHash: string;
  lastRunId: number;
}

export interface StateUpsert {
  externalId: string;
  pbxId: string | null;
  contactHash: string;
  sourceHash: string;
  /** How reports name the contact once it is deleted: "Maria Anders (Alfreds)". */
  displayName?: string | null;
  /** The contact as confirmed: what a later dry run compares against and a deletion's report shows. */
  sent?: SentContact | null;
}

/** A contact in state as the deletion phase lists it. */
export interface StateEntry {
  externalId: string;
  displayName: string | null;
  pbxId: string | null;
  /** As last confirmed; null for state written before it was kept. */
  sent: SentContact | null;
}

/** State changes that go in one transaction with the report rows that justify them. */
export interface StateChanges {
  scope: StateScope;
  upserts?: readonly StateUpsert[];
  refreshes?: ReadonlyArray<{ externalId: string; sourceHash: string }>;
  deletes?: readonly string[];
}

/** One scope's contact state, read in bounded pieces. */
export interface ContactStateView {
  count(): Promise<number>;
  /** The state of these ids (any number; queried in chunks); ids without state are absent. */
  lookup(ids: readonly string[]): Promise<Map<string, ContactState>>;
  /**
   * Every contact in the scope (its id, last-sent name and PBX id), in pages ordered by id; with `keep`, only those
   * whose id it takes, the others never read whole.
   */
  entries(keep?: (externalId: string) => boolean): AsyncIterable<StateEntry>;
  /** Hands every contact's id and stored source hash to `onEntry`, holding none of them; returns how many. */
  scan(onEntry: (externalId: string, sourceHash: string) => void): Promise<number>;
  /** The contacts of these ids as last confirmed (queried in chunks); ids without state or without it are absent. */
  sent(ids: readonly string[]): Promise<Map<string, SentContact>>;
}

export interface Watermark {
  value: string;
  runId: number;
}

export interface ResultsFilter {
  outcomes?: readonly Outcome[];
  limit?: number;
  offset?: number;
}

/** Orders a viewer can sort a run's rows by; "seq" is the order they were recorded in. */
export type ResultSort = "seq" | "name" | "externalId" | "outcome";
export const RESULT_SORTS: readonly ResultSort[] = ["seq", "name", "externalId", "outcome"];

/** One page of a run's rows for the viewer: filtered, searched, sorted, and the total that matched. */
export interface ResultsQuery {
  outcomes?: readonly Outcome[];
  /**
   * Text to find, case-insensitively, in the name, external id, ref, PBX id or info; text that looks like a
   * phone number ("02 1234-567") is matched by its digits against the numbers sent as well.
   */
  search?: string;
  sort?: ResultSort;
  descending?: boolean;
  limit: number;
  offset?: number;
}

export interface ResultsPage {
  rows: ContactResultRow[];
  /** Rows matching the filter and search, all pages together (at least that many when totalIsLowerBound). */
  total: number;
  /**
   * True when a search had more matches than the store counts (10,000, SEARCH_COUNT_CAP): `total` is then a lower
   * bound (show "more than 10,000"), and paging on still works. A search matching fewer, and every page without
   * a search, has an exact total and false here. Absent from pages made by older code: read it as false.
   */
  totalIsLowerBound?: boolean;
}

/** One row of a contact's history: the report row with the run it belongs to. */
export interface ContactHistoryEntry extends ContactResultRow {
  run: Pick<RunRow, "id" | "job" | "trigger" | "status" | "dryRun" | "startedAt">;
}

/** Where a contact stands now, per PBX: its state row, as the viewer shows it. */
export interface ContactStanding {
  pbxKey: string;
  pbxId: string | null;
  displayName: string | null;
  sent: SentContact | null;
  lastRunId: number;
  confirmedAt: Date | null;
}

/** The read side the report viewer needs: pages of a run, a contact across runs, the jobs on record. */
export interface ReportQueries {
  queryResults(runId: number, query: ResultsQuery): Promise<ResultsPage>;
  /** Newest first, at most `limit` (default 200) rows, across every run of every job with this app name. */
  contactHistory(appName: string, externalId: string, limit?: number): Promise<ContactHistoryEntry[]>;
  contactStanding(appName: string, externalId: string): Promise<ContactStanding[]>;
  /** Every job name with at least one run, sorted. */
  listJobs(): Promise<string[]>;
}

/** What the rest of the project sees of the store: runs, results, contact state, watermarks and locks; never SQL. */
export interface Store extends ReportQueries {
  /** A printable name of the database: the SQLite file, or mysql user@host:port/database (never the password). */
  readonly location: string;
  createRun(input: CreateRunInput): Promise<number>;
  /**
   * One transaction, chunked multi-row inserts; `seq` continues in order across calls. `state` changes go in
   * the same transaction: the contact state moves with the report rows that justify it, or not at all.
   */
  recordResults(runId: number, rows: readonly ContactResultInput[], state?: StateChanges): Promise<void>;
  contactState(scope: StateScope): ContactStateView;
  /** The watermark a complete run of this job left for this mapping and query, if any. */
  readWatermark(job: string, sourceKey: string): Promise<Watermark | undefined>;
  writeWatermark(job: string, sourceKey: string, value: string, runId: number): Promise<void>;
  /** The memory of an incremental source's records (CardDAV hrefs, ETags, UIDs) for one run; errors as STORE_FAILED. */
  sourceRefs(scope: SourceRefsScope): SourceRefs;
  /** Settles the refs a run read whole, once it ended success or partial (see SourceRefs). */
  settleSourceRefs(job: string, sourceKey: string, runId: number): Promise<void>;
  /** Progress while running: only the given counts change. */
  updateRunCounts(runId: number, counts: Partial<RunCounts>): Promise<void>;
  finishRun(runId: number, result: FinishRunInput): Promise<void>;
  /** Newest first. */
  listRuns(filter?: ListRunsFilter): Promise<RunRow[]>;
  getRun(id: number): Promise<RunRow | undefined>;
  latestRun(job?: string): Promise<RunRow | undefined>;
  /** The job's newest run that matches the filter (finished with one of the statuses, full). */
  lastRun(job: string, filter: LastRunFilter): Promise<RunRow | undefined>;
  /** Answers a trivial query: for health checks. */
  ping(): Promise<void>;
  /** Streamed in pages by id (keyset), in the order the rows were recorded; never all in memory. */
  results(runId: number, filter?: ResultsFilter): AsyncIterable<ContactResultRow>;
  countResults(runId: number): Promise<Record<Outcome, number>>;
  /** Takes the job's lock, or throws SyncError JOB_LOCKED while a live process holds it; a stale lock is taken over. */
  acquireJobLock(job: string, options?: JobLockOptions): Promise<JobLock>;
  /** Marks the job's `running` runs aborted ("interrupted: ..."); only while holding the job's lock. Returns their ids. */
  abortInterruptedRuns(job: string, reason?: string): Promise<number[]>;
  /** Waits for pending writes and releases the locks still held, then closes the connection. */
  close(): Promise<void>;
}
