// The state of one run in progress, shared by its phases: counts, the writer, the batcher, the pool, and why it stopped.
import type { CheckResult, SourceHandle } from "../../connectors/types.js";
import type { AppConfig, JobConfig } from "../config/index.js";
import { toSyncError, type SyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import type { CompiledMapping } from "../mapping/index.js";
import type { PbxClient } from "../pbx/index.js";
import type { ContactStateView, RunCounts, StateScope, Store } from "../store/index.js";
import { Batcher } from "./batcher.js";
import { emptyCounts } from "./counts.js";
import type { IncrementalRun } from "./incremental.js";
import type { PlanSink } from "./plan.js";
import { TaskPool } from "./pool.js";
import { noProgress, type ProgressSink, type ProgressSnapshot } from "./progress.js";
import { ResultWriter } from "./result-writer.js";
import type { RunJobOptions } from "./run-types.js";
import { SeenIds } from "./seen-ids.js";
import type { StateTable } from "./state-table.js";

/** What the start phase found: the compiled mapping, whose state, and how much of it there was. */
export interface Prepared {
  /** The opened source: the read shares the check's connection or token. */
  source: SourceHandle;
  mapping: CompiledMapping;
  checked: CheckResult;
  scope: StateScope;
  state: ContactStateView;
  /** The state read into memory as the run started (a per-run cache; the store stays the truth). */
  table: StateTable;
  stateBefore: number;
  incremental: IncrementalRun | undefined;
}

export class JobRun {
  readonly config: AppConfig;
  readonly job: JobConfig;
  readonly store: Store;
  readonly client: PbxClient;
  readonly logger: Logger;
  readonly progress: ProgressSink;
  readonly plan: PlanSink | undefined;
  readonly dryRun: boolean;
  readonly full: boolean;
  readonly started = Date.now();
  readonly counts: RunCounts = emptyCounts();
  readonly seen = new SeenIds();
  readonly planned = { insert: 0, update: 0, delete: 0 };
  readonly batcher: Batcher;
  readonly pool: TaskPool;
  runId: number | null = null;
  /** The source opened by the start phase; closed when the run ends. */
  source: SourceHandle | null = null;
  /** Set by the start phase. */
  writer: ResultWriter | null = null;
  pushed = 0;
  /** Contacts in batches formed but not sent because the stop signal came first. */
  notSent = 0;
  /** Broken records whose id cannot be told: any of them might be a contact in state. */
  sourceProblems = 0;
  /** Ids with state that this run saw: the rest of the state vanished from the source. */
  seenInState = 0;
  readFailure: string | null = null;
  /** What to do about the read's failure (its error's hint), for the summary. */
  readFailureHint: string | null = null;
  /** Whether the read's failure may pass by itself (the API was busy), so that the daemon retries the run. */
  readFailureTransient = false;
  /** Batches in a row that failed on network trouble after every retry. */
  failedBatchesInARow = 0;
  /** The first failure after which no further work can succeed (the PBX refuses, the store cannot record). */
  stopped: SyncError | null = null;
  /** The watermark an incremental source reported. */
  watermark: string | undefined;

  constructor(readonly options: RunJobOptions) {
    this.config = options.config;
    this.job = options.job;
    this.store = options.store;
    this.client = options.client;
    this.logger = (options.logger ?? silentLogger).child({ job: options.job.name });
    this.progress = options.progress ?? noProgress;
    this.plan = options.plan;
    this.dryRun = options.dryRun === true;
    this.full = options.full === true;
    this.batcher = new Batcher(options.job);
    this.pool = new TaskPool(options.job.concurrency);
  }

  /** The stop signal has fired (Ctrl-C, shutdown, a lost lock) or a failure stopped the run. */
  get halted(): boolean {
    return this.stopped !== null || this.options.signal?.aborted === true;
  }

  /** Signals for PBX calls: cancelled only by the hard signal, so that batches in flight finish after a first Ctrl-C. */
  get callOptions(): { signal?: AbortSignal } {
    return this.options.cancel ? { signal: this.options.cancel } : {};
  }

  /** Keeps the first failure that stops the run. */
  stop(err: unknown): void {
    if (this.stopped) return;
    this.stopped = toSyncError(err);
    this.logger.error({ err: this.stopped.toJSON() }, "run stopped");
  }

  openWriter(scope: StateScope): ResultWriter {
    // A recorded dry run writes its plan's rows, never the state: nothing was sent.
    this.writer = new ResultWriter(this.store, this.runId, this.dryRun ? null : scope, (error) => this.stop(error));
    return this.writer;
  }

  snapshot(phase: ProgressSnapshot["phase"]): ProgressSnapshot {
    return {
      phase,
      read: this.counts.read,
      pushed: this.pushed,
      failed: this.counts.errors + this.counts.rejected + this.counts.unconfirmed,
      elapsedMs: Date.now() - this.started,
    };
  }
}
