// The store's public face: open it, record runs and per-contact results, read them back, lock jobs.
export { openStore, describeTarget, SQLITE_BUSY_TIMEOUT_MS, type OpenStoreContext } from "./open.js";
export { RESULTS_PAGE_SIZE, INSERT_CHUNK_SIZE } from "./results.js";
export { MIGRATION_NAMES } from "./migration-source.js";
export { DEFAULT_STALE_AFTER_MS, isProcessGone, type JobLock, type JobLockOptions } from "./locks.js";
export {
  DEFAULT_SQLITE_FILE,
  OUTCOMES,
  RUN_STATUSES,
  COUNT_KEYS,
  RESULT_SORTS,
  type StoreOptions,
  type Outcome,
  type RunStatus,
  type RunCounts,
  type RunRow,
  type ContactResultInput,
  type ContactResultRow,
  type CreateRunInput,
  type FinishRunInput,
  type ListRunsFilter,
  type ResultsFilter,
  type Store,
  type StateScope,
  type StateChanges,
  type StateUpsert,
  type StateEntry,
  type ContactState,
  type ContactStateView,
  type LastRunFilter,
  type Watermark,
  type SentContact,
  type ResultDetail,
  type ResultSort,
  type ResultsQuery,
  type ResultsPage,
  type ContactHistoryEntry,
  type ContactStanding,
  type ReportQueries,
} from "./types.js";
export type { SqlStore } from "./store.js";
export type { SourceRefsScope } from "./source-refs.js";
export {
  EXPORT_COLUMNS,
  EXPORT_FORMATS,
  CSV_DELIMITERS,
  csvCell,
  csvLine,
  toExportRecord,
  writeExport,
  exportChunks,
  type CsvDelimiter,
  type ExportFormat,
  type ExportOptions,
  type ExportRecord,
} from "./export.js";
