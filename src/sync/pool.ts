// Bounded concurrency: at most N tasks in flight; submit() waits for a free slot, which back-pressures the reader.

export class TaskPool {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  /** Starts the task once a slot is free. Task errors must be handled inside the task. */
  async submit(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const promise: Promise<void> = task().finally(() => {
      this.running.delete(promise);
    });
    this.running.add(promise);
  }

  /** Waits until every submitted task has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}
