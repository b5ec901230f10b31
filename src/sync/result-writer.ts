// Buffers report rows with the state changes they justify, and writes both in one transaction per chunk.
import { toSyncError, type SyncError } from "../errors.js";
import type { ContactResultInput, StateScope, StateUpsert, Store } from "../store/index.js";

const CHUNK = 500;

export interface StateChangesInput {
  upserts?: readonly StateUpsert[];
  refreshes?: ReadonlyArray<{ externalId: string; sourceHash: string }>;
  deletes?: readonly string[];
}

/**
 * Never rejects: a write that fails is kept as `failure` (the first one) and reported once through `onFailure`,
 * and later writes are still tried, each on its own. Its rows are lost from the report, and the state changes
 * with them, so the next run pushes those contacts again: harmless, as the PBX upserts.
 */
export class ResultWriter {
  private rows: ContactResultInput[] = [];
  private upserts: StateUpsert[] = [];
  private refreshes: Array<{ externalId: string; sourceHash: string }> = [];
  private deletes: string[] = [];
  /** Writes run one after another so rows keep their order (seq) in the report; the chain never rejects. */
  private chain: Promise<void> = Promise.resolve();
  failure: SyncError | null = null;
  /** Report rows that could not be written. */
  lostRows = 0;

  /** runId null (dry run): nothing is written; the caller counts. */
  constructor(
    private readonly store: Store,
    private readonly runId: number | null,
    private readonly scope: StateScope,
    private readonly onFailure: (error: SyncError) => void = () => {},
  ) {}

  async add(rows: readonly ContactResultInput[], changes: StateChangesInput = {}): Promise<void> {
    if (this.runId === null) return;
    for (const row of rows) this.rows.push(row);
    if (changes.upserts) for (const upsert of changes.upserts) this.upserts.push(upsert);
    if (changes.refreshes) for (const refresh of changes.refreshes) this.refreshes.push(refresh);
    if (changes.deletes) for (const id of changes.deletes) this.deletes.push(id);
    if (this.rows.length + this.refreshes.length >= CHUNK) await this.write();
  }

  async flush(): Promise<void> {
    await this.write();
  }

  private write(): Promise<void> {
    const runId = this.runId;
    const rows = this.rows;
    const state = { scope: this.scope, upserts: this.upserts, refreshes: this.refreshes, deletes: this.deletes };
    this.rows = [];
    this.upserts = [];
    this.refreshes = [];
    this.deletes = [];
    if (runId === null || rows.length + state.upserts.length + state.refreshes.length + state.deletes.length === 0) return this.chain;
    this.chain = this.chain.then(() =>
      this.store.recordResults(runId, rows, state).catch((err: unknown) => {
        this.lostRows += rows.length;
        if (this.failure) return;
        this.failure = toSyncError(err, "STORE_FAILED");
        this.onFailure(this.failure);
      }),
    );
    return this.chain;
  }
}
