// Buffers report rows and writes them to the store in chunks, each chunk in one transaction.
import type { ContactResultInput, Store } from "../store/index.js";

const CHUNK = 500;

export class ResultWriter {
  private buffer: ContactResultInput[] = [];
  /** Writes run one after another so rows keep their order (seq) in the report. */
  private chain: Promise<void> = Promise.resolve();

  /** runId null (dry run): rows are counted by the caller and dropped here. */
  constructor(
    private readonly store: Store,
    private readonly runId: number | null,
  ) {}

  async add(rows: readonly ContactResultInput[]): Promise<void> {
    if (this.runId === null || rows.length === 0) return;
    for (const row of rows) this.buffer.push(row);
    if (this.buffer.length >= CHUNK) await this.write();
  }

  async flush(): Promise<void> {
    await this.write();
    await this.chain;
  }

  private write(): Promise<void> {
    const rows = this.buffer;
    this.buffer = [];
    const runId = this.runId;
    if (runId === null || rows.length === 0) return this.chain;
    this.chain = this.chain.then(() => this.store.recordResults(runId, rows));
    return this.chain;
  }
}
