// Bounded concurrency: at most N tasks hold a slot (a request in flight); more may be queued ahead, or finishing after their slot.

/**
 * A task of the pool. It holds its slot until it calls `release` or ends: a push task releases once the PBX
 * has answered, so that the next batch goes out while this one's answer is recorded.
 */
export type PoolTask = (release: () => void) => Promise<void>;

/** How a submit() may get ahead of the running tasks. */
export interface SubmitOptions {
  /**
   * Default 0: wait for a free slot. Above 0: hand the task over once fewer than `limit + ahead` tasks hold a
   * slot or are queued; a queued task starts the moment a slot frees, so the caller can prepare the next while
   * every slot stays busy. Queued tasks start in the order they were submitted.
   */
  ahead?: number;
}

export class TaskPool {
  /** Every task started and not ended, whether it still holds its slot or is finishing after releasing it. */
  private readonly running = new Set<Promise<void>>();
  /** Tasks holding a slot. */
  private slots = 0;
  /** Tasks handed over but not started: only while every slot is taken. */
  private readonly queued: PoolTask[] = [];
  /** Callers waiting for a slot to free or a task to end. */
  private waiters: Array<() => void> = [];
  /** A wake-up of the waiters is scheduled. */
  private waking = false;
  /** The first task failure: kept, so that no rejection goes unobserved, and thrown by the next submit or drain. */
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {}

  /**
   * Starts the task once a slot is free, or queues it (see `ahead`). Tasks should handle their own errors; one
   * that throws anyway is caught here and its error thrown by the next submit() or drain(), never left as an
   * unhandled rejection. A task only runs when it starts: whatever it checks first, it checks then.
   * Tasks finishing after their release count too: at most 2 × limit + ahead are started or queued at once.
   */
  async submit(task: PoolTask, { ahead = 0 }: SubmitOptions = {}): Promise<void> {
    while (this.slots + this.queued.length >= this.limit + ahead || this.running.size + this.queued.length >= 2 * this.limit + ahead) {
      await this.change();
    }
    this.rethrow();
    if (this.slots < this.limit) this.start(task);
    else this.queued.push(task);
  }

  /** Waits until every submitted task, queued ones included, has ended; throws the first task failure, if any. */
  async drain(): Promise<void> {
    await this.idle();
    this.rethrow();
  }

  /** Waits for every task, queued ones included, and forgets any failure: for the clean-up after a run already failed. */
  async settle(): Promise<void> {
    await this.idle();
    this.failure = null;
  }

  /** Tasks are queued only while every slot is taken, so a pool with none running has none queued. */
  private async idle(): Promise<void> {
    while (this.running.size > 0) await this.change();
  }

  /** Resolves at the next release or end of a task. */
  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Wakes the waiters a macrotask later: a task just started gets its request onto the socket first (it only takes
   * microtasks), instead of waiting behind whatever a woken caller does before its next I/O (reading a batch).
   */
  private changed(): void {
    if (this.waking) return;
    this.waking = true;
    setImmediate(() => {
      this.waking = false;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
  }

  private start(task: PoolTask): void {
    this.slots++;
    let holds = true;
    const release = (): void => {
      if (!holds) return;
      holds = false;
      this.slots--;
      // In the same turn that frees the slot: no await between one request's end and the next one's start.
      const next = this.queued.shift();
      if (next) this.start(next);
      this.changed();
    };
    const promise: Promise<void> = Promise.resolve()
      .then(() => task(release))
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running.delete(promise);
        if (holds) release();
        else this.changed();
      });
    this.running.add(promise);
  }

  private rethrow(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = null;
    throw failure.error;
  }
}
