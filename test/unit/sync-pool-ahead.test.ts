// The task pool's queue ahead and early release: at most `limit` tasks hold a slot, a queued one starts the moment a slot frees, failures still surface.
import { describe, expect, it } from "vitest";
import { TaskPool, type PoolTask } from "../../src/sync/pool.js";
import { watchUnhandledRejections } from "../helpers/unhandled.js";

/** Lets every pending callback run: a few turns of the event loop (the pool wakes its waiters a turn later). */
const settled = async (): Promise<void> => {
  for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Tasks whose ends the test decides, recording when each started and how many ran at once. */
class Tasks {
  readonly started: string[] = [];
  running = 0;
  mostRunning = 0;
  private readonly ends = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly releases = new Map<string, () => void>();

  task(name: string): PoolTask {
    return (release) => {
      this.releases.set(name, release);
      this.started.push(name);
      this.running++;
      this.mostRunning = Math.max(this.mostRunning, this.running);
      return new Promise<void>((resolve, reject) => this.ends.set(name, { resolve, reject })).finally(() => this.running--);
    };
  }

  /** The task gives up its slot (the PBX answered) and goes on running (it records the answer). */
  async release(name: string): Promise<void> {
    const release = this.releases.get(name);
    if (!release) throw new Error(`task ${name} has not started`);
    release();
    await settled();
  }

  async finish(name: string, error?: Error): Promise<void> {
    const end = this.ends.get(name);
    if (!end) throw new Error(`task ${name} has not started`);
    if (error) end.reject(error);
    else end.resolve();
    await settled();
  }
}

/** Whether a promise has settled yet, without waiting on it. */
function tracked<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let done = false;
  const watched = promise.finally(() => (done = true));
  // Observed here; the test awaits `promise` itself for the outcome.
  watched.catch(() => undefined);
  return { done: () => done, promise };
}

const unhandled = watchUnhandledRejections();

describe("TaskPool with tasks submitted ahead", () => {
  it("runs at most `limit` tasks, takes one more as queued, and starts it as soon as a running one finishes", async () => {
    const pool = new TaskPool(2);
    const tasks = new Tasks();
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    // Handed over at once, while both slots are busy: the caller can go and prepare the next.
    await pool.submit(tasks.task("c"), { ahead: 1 });
    await settled();
    expect(tasks.started).toEqual(["a", "b"]);
    // Two running and one queued: the next one waits.
    const fourth = tracked(pool.submit(tasks.task("d"), { ahead: 1 }));
    await settled();
    expect(fourth.done()).toBe(false);

    await tasks.finish("b");
    expect(tasks.started).toEqual(["a", "b", "c"]);
    expect(tasks.running).toBe(2);
    expect(fourth.done()).toBe(true);
    await fourth.promise;

    await tasks.finish("a");
    expect(tasks.started).toEqual(["a", "b", "c", "d"]);
    const drained = tracked(pool.drain());
    await tasks.finish("c");
    expect(drained.done()).toBe(false);
    await tasks.finish("d");
    await drained.promise;
    expect(tasks.mostRunning).toBe(2);
    expect(unhandled.reasons).toEqual([]);
  });

  it("starts queued tasks in the order they were submitted", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    for (const name of ["a", "b", "c"]) await pool.submit(tasks.task(name), { ahead: 2 });
    await settled();
    expect(tasks.started).toEqual(["a"]);
    await tasks.finish("a");
    await tasks.finish("b");
    expect(tasks.started).toEqual(["a", "b", "c"]);
    await tasks.finish("c");
    await pool.drain();
    expect(tasks.mostRunning).toBe(1);
  });

  it("without `ahead`, waits for a free slot, behind the tasks already queued", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    const third = tracked(pool.submit(tasks.task("c")));
    await tasks.finish("a");
    // b took the slot a freed; c is still waiting for one.
    expect(tasks.started).toEqual(["a", "b"]);
    expect(third.done()).toBe(false);
    await tasks.finish("b");
    expect(third.done()).toBe(true);
    expect(tasks.started).toEqual(["a", "b", "c"]);
    await tasks.finish("c");
    await pool.drain();
  });

  it("throws a queued task's failure from drain(), never as an unhandled rejection", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    const boom = new Error("queued task broke");
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    await tasks.finish("a");
    await tasks.finish("b", boom);
    await settled();
    expect(unhandled.reasons).toEqual([]);
    await expect(pool.drain()).rejects.toBe(boom);
    await expect(pool.drain()).resolves.toBeUndefined();
  });

  it("runs a task queued before another failed, and throws the failure from the next submit, whose task never runs", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    const boom = new Error("running task broke");
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    await tasks.finish("a", boom);
    // b was handed over before a failed: it starts, and checks for itself whether it still should work.
    expect(tasks.started).toEqual(["a", "b"]);
    const third = tracked(pool.submit(tasks.task("c"), { ahead: 1 }));
    await expect(third.promise).rejects.toBe(boom);
    await tasks.finish("b");
    await pool.drain();
    expect(tasks.started).toEqual(["a", "b"]);
    expect(unhandled.reasons).toEqual([]);
  });

  it("settle() waits for the queued tasks too and forgets their failures", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    const settling = tracked(pool.settle());
    await tasks.finish("a", new Error("a broke"));
    expect(settling.done()).toBe(false);
    await tasks.finish("b", new Error("b broke"));
    await settling.promise;
    await expect(pool.drain()).resolves.toBeUndefined();
    expect(unhandled.reasons).toEqual([]);
  });

  it("starts the queued task when a running one releases its slot, and drains only once the released one has ended", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    await settled();
    expect(tasks.started).toEqual(["a"]);
    await tasks.release("a");
    // a still runs (it records its answer), but its slot is b's: one request in flight, never two.
    expect(tasks.started).toEqual(["a", "b"]);
    expect(tasks.running).toBe(2);
    // Releasing twice gives nothing more.
    await tasks.release("a");
    await pool.submit(tasks.task("c"), { ahead: 1 });
    await settled();
    expect(tasks.started).toEqual(["a", "b"]);
    const drained = tracked(pool.drain());
    await tasks.finish("b");
    expect(tasks.started).toEqual(["a", "b", "c"]);
    await tasks.finish("c");
    expect(drained.done()).toBe(false);
    await tasks.finish("a");
    await drained.promise;
  });

  it("keeps tasks that released their slot within bounds: at most 2 × limit + ahead started or queued", async () => {
    const pool = new TaskPool(1);
    const tasks = new Tasks();
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await pool.submit(tasks.task("b"), { ahead: 1 });
    await tasks.release("a");
    await tasks.release("b");
    // a and b finish slowly (a slow store): c takes the slot, and with 2 × 1 + 1 = 3 started, d waits for one to end.
    await pool.submit(tasks.task("c"), { ahead: 1 });
    await settled();
    const fourth = tracked(pool.submit(tasks.task("d"), { ahead: 1 }));
    await settled();
    expect(fourth.done()).toBe(false);
    expect(tasks.started).toEqual(["a", "b", "c"]);
    await tasks.finish("a");
    // Handed over, queued behind c.
    expect(fourth.done()).toBe(true);
    expect(tasks.started).toEqual(["a", "b", "c"]);
    await tasks.finish("b");
    await tasks.finish("c");
    await tasks.finish("d");
    await pool.drain();
    expect(tasks.started).toEqual(["a", "b", "c", "d"]);
  });

  it("throws the failure of a task that had released its slot from the next drain()", async () => {
    const pool = new TaskPool(2);
    const tasks = new Tasks();
    const boom = new Error("recording broke");
    await pool.submit(tasks.task("a"), { ahead: 1 });
    await tasks.release("a");
    await tasks.finish("a", boom);
    expect(unhandled.reasons).toEqual([]);
    await expect(pool.drain()).rejects.toBe(boom);
  });
});
