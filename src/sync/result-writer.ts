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

  /** runId null (dry run): nothing is written; the caller counts. scope null (recorded dry run): rows only, no state. */
  constructor(
    private readonly store: Store,
    private readonly runId: number | null,
    private readonly scope: StateScope | null,
    private readonly onFailure: (error: SyncError) => void = () => {},
  ) {}

  async add(rows: readonly ContactResultInput[], changes: StateChangesInput = {}): Promise<void> {
    if (this.runId === null) return;
    for (const row of rows) this.rows.push(row);
    // A recorded dry run sent nothing: its rows go on record, no state moves.
    const kept: StateChangesInput = this.scope === null ? {} : changes;
    if (kept.upserts) for (const upsert of kept.upserts) this.upserts.push(upsert);
    if (kept.refreshes) for (const refresh of kept.refreshes) this.refreshes.push(refresh);
    if (kept.deletes) for (const id of kept.deletes) this.deletes.push(id);
    if (this.rows.length + this.refreshes.length >= CHUNK) await this.write();
  }

  async flush(): Promise<void> {
    await this.write();
  }

  private write(): Promise<void> {
    const runId = this.runId;
    const rows = this.rows;
    const scope = this.scope;
    const state = scope === null ? undefined : { scope, upserts: this.upserts, refreshes: this.refreshes, deletes: this.deletes };
    this.rows = [];
    this.upserts = [];
    this.refreshes = [];
    this.deletes = [];
    const changes = state ? state.upserts.length + state.refreshes.length + state.deletes.length : 0;
    if (runId === null || rows.length + changes === 0) return this.chain;
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
