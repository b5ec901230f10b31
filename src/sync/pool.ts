// Bounded concurrency: at most N tasks in flight; submit() waits for a free slot, which back-pressures the reader.

export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  /** The first task failure: kept, so that no rejection goes unobserved, and thrown by the next submit or drain. */
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {}

  /**
   * Starts the task once a slot is free. Tasks should handle their own errors; one that throws anyway is
   * caught here and its error thrown by the next submit() or drain(), never left as an unhandled rejection.
   */
  async submit(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.rethrow();
    const promise: Promise<void> = Promise.resolve()
      .then(task)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running.delete(promise);
      });
    this.running.add(promise);
  }

  /** Waits until every submitted task has finished; throws the first task failure, if any. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
    this.rethrow();
  }

  /** Waits for every task and forgets any failure: for the clean-up after a run already failed. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
    this.failure = null;
  }

  private rethrow(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = null;
    throw failure.error;
  }
}
