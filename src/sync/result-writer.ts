// Buffers report rows with the state changes they justify, and writes both in one transaction per chunk.
import type { ContactResultInput, Store } from "../store/index.js";
import { deleteState, refreshSourceHashes, upsertState, type StateScope, type StateUpsert } from "../store/state.js";

const CHUNK = 500;

export interface StateChanges {
  upserts?: readonly StateUpsert[];
  refreshes?: ReadonlyArray<{ externalId: string; sourceHash: string }>;
  deletes?: readonly string[];
}

export class ResultWriter {
  private rows: ContactResultInput[] = [];
  private upserts: StateUpsert[] = [];
  private refreshes: Array<{ externalId: string; sourceHash: string }> = [];
  private deletes: string[] = [];
  /** Writes run one after another so rows keep their order (seq) in the report. */
  private chain: Promise<void> = Promise.resolve();

  /** runId null (dry run): nothing is written; the caller counts. */
  constructor(
    private readonly store: Store,
    private readonly runId: number | null,
    private readonly scope: StateScope,
  ) {}

  async add(rows: readonly ContactResultInput[], changes: StateChanges = {}): Promise<void> {
    if (this.runId === null) return;
    for (const row of rows) this.rows.push(row);
    if (changes.upserts) for (const upsert of changes.upserts) this.upserts.push(upsert);
    if (changes.refreshes) for (const refresh of changes.refreshes) this.refreshes.push(refresh);
    if (changes.deletes) for (const id of changes.deletes) this.deletes.push(id);
    if (this.rows.length + this.refreshes.length >= CHUNK) await this.write();
  }

  async flush(): Promise<void> {
    await this.write();
    await this.chain;
  }

  private write(): Promise<void> {
    const runId = this.runId;
    const rows = this.rows;
    const upserts = this.upserts;
    const refreshes = this.refreshes;
    const deletes = this.deletes;
    this.rows = [];
    this.upserts = [];
    this.refreshes = [];
    this.deletes = [];
    if (runId === null || rows.length + upserts.length + refreshes.length + deletes.length === 0) return this.chain;
    const scope = this.scope;
    this.chain = this.chain.then(() =>
      this.store.recordResults(runId, rows, async (trx) => {
        if (upserts.length > 0) await upsertState(trx, scope, runId, upserts);
        if (refreshes.length > 0) await refreshSourceHashes(trx, scope, refreshes);
        if (deletes.length > 0) await deleteState(trx, scope, deletes);
      }),
    );
    return this.chain;
  }
}
