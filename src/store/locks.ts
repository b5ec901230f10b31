// Job locks in the store: one holder per job across every process and host sharing the database; stale locks are taken over.
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Knex } from "knex";
import { SyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { driverMessage } from "./store-error.js";
import { SIZES, clip } from "./tables.js";

export const LOCKS_TABLE = "job_locks";
/** A random UUID per acquisition. */
export const OWNER_CHARS = 36;
export const DEFAULT_STALE_AFTER_MS = 60_000;
/** Insert/take-over attempts before giving up; each failed one means another process changed the row meanwhile. */
const MAX_ATTEMPTS = 10;

/**
 * The acquisitions this process holds now. A lock row naming this very process whose owner is not here was left
 * by a release that failed (the database was away): no one holds it, and waiting for its heartbeat to go stale
 * would keep a daemon's next runs of the job out for a minute.
 */
const heldHere = new Set<string>();

export interface JobLockOptions {
  /** The process recorded as holder; default this one. */
  pid?: number;
  /** The host recorded as holder; default os.hostname(). A dead pid is only detected on the same host. */
  host?: string;
  /** A lock whose heartbeat is older than this is taken over; default 60 s. */
  staleAfterMs?: number;
  /** How often the holder refreshes its heartbeat; default staleAfterMs / 4, must be below staleAfterMs. */
  heartbeatMs?: number;
  logger?: Logger;
  /** The clock, for tests; default the system clock. Heartbeats are compared across hosts, so clocks should agree. */
  now?: () => Date;
  /** Called once if the lock is lost while held (taken over after missed heartbeats, or its row deleted). */
  onLost?: (message: string) => void;
}

export interface JobLock {
  readonly job: string;
  /** This acquisition's id, stored in the lock row. */
  readonly owner: string;
  /** Records the run this lock guards, so a JOB_LOCKED message can point at it. */
  setRunId(runId: number): Promise<void>;
  /** Deletes the lock if this acquisition still owns it, and stops the heartbeat. Calling it again does nothing. */
  release(): Promise<void>;
}

interface Settings {
  pid: number;
  host: string;
  staleAfterMs: number;
  heartbeatMs: number;
  logger: Logger;
  now: () => Date;
  onLost: ((message: string) => void) | undefined;
}

/** A lock row as read back; heartbeat_at stays the stored text so a take-over can compare it exactly. */
interface LockRecord {
  owner: string;
  pid: number;
  host: string;
  runId: number | null;
  acquiredAt: string;
  heartbeatAt: string;
}

function settingsOf(options: JobLockOptions): Settings {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  if (!Number.isSafeInteger(staleAfterMs) || staleAfterMs < 1) {
    throw new SyncError("INTERNAL", `invalid staleAfterMs ${String(staleAfterMs)}: use a whole number of milliseconds > 0`);
  }
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(staleAfterMs / 4));
  // A heartbeat as slow as the staleness limit would let a live holder look dead between two beats.
  if (!Number.isSafeInteger(heartbeatMs) || heartbeatMs < 1 || heartbeatMs >= staleAfterMs) {
    throw new SyncError("INTERNAL", `invalid heartbeatMs ${String(heartbeatMs)}: use 1..${staleAfterMs - 1} (below staleAfterMs)`);
  }
  const pid = options.pid ?? process.pid;
  if (!Number.isSafeInteger(pid) || pid < 1) throw new SyncError("INTERNAL", `invalid pid ${String(pid)}: use a whole number > 0`);
  return {
    pid,
    host: clip(options.host ?? os.hostname(), SIZES.host),
    staleAfterMs,
    heartbeatMs,
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => new Date()),
    onLost: options.onLost,
  };
}

async function readLock(db: Knex, key: string): Promise<LockRecord | undefined> {
  const row = (await db(LOCKS_TABLE).where({ job: key }).first()) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  return {
    owner: String(row["owner"]),
    pid: Number(row["pid"]),
    host: String(row["host"]),
    runId: row["run_id"] == null ? null : Number(row["run_id"]),
    acquiredAt: String(row["acquired_at"]),
    heartbeatAt: String(row["heartbeat_at"]),
  };
}

/** True when no process has this pid here. EPERM means it exists under another user: alive. */
export function isProcessGone(pid: number): boolean {
  // 0 and negative pids name process groups: never probe those.
  if (!Number.isSafeInteger(pid) || pid < 1) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Why the holder is presumed dead, or undefined while it looks alive. */
function staleReason(record: LockRecord, settings: Settings): string | undefined {
  const age = settings.now().getTime() - Date.parse(record.heartbeatAt);
  // An unreadable heartbeat proves nothing alive: treat it as old.
  if (!(age <= settings.staleAfterMs)) return `its last heartbeat is older than ${settings.staleAfterMs} ms`;
  // Only on the same host does a pid mean anything; elsewhere the heartbeat alone decides.
  if (record.host === settings.host && isProcessGone(record.pid)) return `process ${record.pid} is gone`;
  if (record.host === settings.host && record.pid === process.pid && !heldHere.has(record.owner)) return "this process left it behind when a release failed";
  return undefined;
}

function lockedError(job: string, record: LockRecord, settings: Settings): SyncError {
  const run = record.runId === null ? "" : ` Its run is ${record.runId} (phonebook-sync reports show ${record.runId}).`;
  return new SyncError("JOB_LOCKED", `job ${job} is already running (pid ${record.pid} on host ${record.host}, since ${record.acquiredAt})`, {
    hint:
      `Wait for that run to finish, or stop that process.${run} If it died, its lock is taken over once the last heartbeat ` +
      `(${record.heartbeatAt}) is older than ${Math.ceil(settings.staleAfterMs / 1000)} s, or at once from the same host.`,
  });
}

/** Unique or primary key violations: another process inserted the same job's lock first. */
function isDuplicateKey(err: unknown): boolean {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "ER_DUP_ENTRY";
}

/**
 * Takes the lock of `job`, or throws SyncError JOB_LOCKED while a live process holds it.
 * Every step is one conditional statement rather than a read-then-write transaction: on SQLite (WAL) such a
 * transaction fails with SQLITE_BUSY instead of waiting when another process writes between its read and its
 * write, and on InnoDB two of them deadlock on the gap lock of a missing row. A statement that finds the row
 * changed (a duplicate insert, a take-over that matches nothing) just reads again and decides again.
 */
export async function acquireJobLock(db: Knex, job: string, options: JobLockOptions = {}): Promise<JobLock> {
  const settings = settingsOf(options);
  const key = clip(job, SIZES.job);
  const owner = randomUUID();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await readLock(db, key);
    const stamp = settings.now().toISOString();
    const mine = { owner, pid: settings.pid, host: settings.host, run_id: null, acquired_at: stamp, heartbeat_at: stamp };
    if (!current) {
      try {
        await db(LOCKS_TABLE).insert({ job: key, ...mine });
        return holdLock(db, job, key, owner, settings);
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
    }
    const reason = staleReason(current, settings);
    if (reason === undefined) throw lockedError(job, current, settings);
    // Matching the heartbeat too: a holder that beat since the read is alive after all, and keeps its lock.
    const taken = await db(LOCKS_TABLE).where({ job: key, owner: current.owner, heartbeat_at: current.heartbeatAt }).update(mine);
    if (taken === 1) {
      settings.logger.warn(
        { job, pid: current.pid, host: current.host, heartbeatAt: current.heartbeatAt, runId: current.runId, reason },
        `taking over the stale lock of job ${job} from pid ${current.pid} on host ${current.host} (last heartbeat ${current.heartbeatAt})`,
      );
      return holdLock(db, job, key, owner, settings);
    }
  }
  throw new SyncError("JOB_LOCKED", `job ${job} is already running (its lock changed hands ${MAX_ATTEMPTS} times while this process tried to take it)`);
}

/** The held lock: heartbeats on an unref'd timer (it never keeps the process alive) until released or lost. */
function holdLock(db: Knex, job: string, key: string, owner: string, settings: Settings): JobLock {
  const mine = () => db(LOCKS_TABLE).where({ job: key, owner });
  heldHere.add(owner);
  let stopped = false;
  let beating: Promise<void> | null = null;
  let released: Promise<void> | null = null;

  async function lost(): Promise<void> {
    stop();
    const now = await readLock(db, key).catch(() => undefined);
    const message = now
      ? `lost the lock of job ${job}: pid ${now.pid} on host ${now.host} took it over at ${now.acquiredAt} (heartbeats were late)`
      : `lost the lock of job ${job}: its row was deleted`;
    settings.logger.error({ job, owner }, message);
    settings.onLost?.(message);
  }

  async function beat(): Promise<void> {
    const changed = await mine().update({ heartbeat_at: settings.now().toISOString() });
    if (changed === 0 && !stopped) await lost();
  }

  const timer = setInterval(() => {
    if (stopped || beating) return;
    beating = beat()
      .catch((err: unknown) => {
        // Transient (a busy database, a dropped connection): the next beat tries again, well before staleness.
        settings.logger.warn({ job, error: driverMessage(err) }, `cannot refresh the heartbeat of the lock of job ${job}`);
      })
      .finally(() => (beating = null));
  }, settings.heartbeatMs);
  timer.unref();

  function stop(): void {
    stopped = true;
    heldHere.delete(owner);
    clearInterval(timer);
  }

  return {
    job,
    owner,
    async setRunId(runId: number): Promise<void> {
      if (!Number.isSafeInteger(runId) || runId <= 0) throw new SyncError("RUN_NOT_FOUND", `run id must be a whole number > 0, got ${String(runId)}`);
      const changed = await mine().update({ run_id: runId });
      if (changed === 0) throw new SyncError("JOB_LOCKED", `the lock of job ${job} is no longer held by this process: cannot record run ${runId} in it`);
    },
    release(): Promise<void> {
      released ??= (async () => {
        stop();
        // A beat in flight finishes first, so it cannot report the lock lost after the delete.
        await beating;
        await mine().delete();
      })().catch((err: unknown) => {
        released = null;
        throw err;
      });
      return released;
    },
  };
}
