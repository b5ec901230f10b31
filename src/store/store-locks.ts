// The Store's lock methods: driver errors as STORE_FAILED, and the locks still held released when the store closes.
import type { Knex } from "knex";
import { acquireJobLock, type JobLock, type JobLockOptions } from "./locks.js";
import { guarded, type StoreTarget } from "./store-error.js";

export interface StoreLocks {
  acquireJobLock(job: string, options?: JobLockOptions): Promise<JobLock>;
  /** Releases every lock still held: a closed store cannot heartbeat, so its locks would only wait to go stale. */
  releaseAll(): Promise<void>;
}

export function storeLocks(db: Knex, target: StoreTarget): StoreLocks {
  const held = new Set<JobLock>();
  return {
    async acquireJobLock(job, options) {
      const lock = await guarded(`cannot take the lock of job "${job}"`, target, () => acquireJobLock(db, job, options));
      held.add(lock);
      return {
        job: lock.job,
        owner: lock.owner,
        setRunId: (runId) => guarded(`cannot record run ${runId} in the lock of job "${job}"`, target, () => lock.setRunId(runId)),
        release: () =>
          guarded(`cannot release the lock of job "${job}"`, target, async () => {
            await lock.release();
            held.delete(lock);
          }),
      };
    },
    async releaseAll() {
      await Promise.allSettled([...held].map((lock) => lock.release()));
      held.clear();
    },
  };
}
