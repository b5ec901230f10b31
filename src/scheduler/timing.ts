// When a job's runs are due: the slot it last missed, the retry back-off and its window, and whether a run is full.
import { formatDuration } from "../config/duration.js";
import type { JobConfig } from "../config/index.js";
import { DEFAULTS } from "../config/schema.js";
import { nextRuns } from "../config/schedule.js";
import type { RunRow } from "../store/index.js";

/** The latest run time of the schedule at or before `now`, or undefined when none lies within a year back. */
export function previousFire(schedule: string, timezone: string, now: Date = new Date()): Date | undefined {
  const [first, second] = nextRuns(schedule, timezone, 2, now);
  if (!first || !second) return undefined;
  const period = Math.max(1_000, second.getTime() - first.getTime());
  // Step back until a run time lies at or before now, then walk forward to the last one that does.
  for (let back = period; back <= 366 * 86_400_000; back *= 2) {
    const [candidate] = nextRuns(schedule, timezone, 1, new Date(now.getTime() - back - 1));
    if (!candidate || candidate.getTime() > now.getTime()) continue;
    let last = candidate;
    for (let i = 0; i < 10_000; i++) {
      const [next] = nextRuns(schedule, timezone, 1, last);
      if (!next || next.getTime() > now.getTime()) return last;
      last = next;
    }
    return last;
  }
  return undefined;
}

/**
 * The slot to catch up on start: the schedule's latest run time, when the job's last complete run started
 * before it (or there is none). Undefined when nothing was missed.
 */
export function missedSlot(job: JobConfig, lastComplete: RunRow | undefined, now: Date = new Date()): Date | undefined {
  if (!job.schedule) return undefined;
  const slot = previousFire(job.schedule, job.timezone, now);
  if (!slot) return undefined;
  if (lastComplete && lastComplete.startedAt.getTime() >= slot.getTime()) return undefined;
  return slot;
}

/** The slot key stored with a run: its time, with "+retryN" or "+catch-up" for runs that stand in for it. */
export function slotKey(slot: Date, suffix = ""): string {
  return `${slot.toISOString()}${suffix}`;
}

/**
 * When the failed run's next retry starts, or undefined when it falls outside the job's retry window: "auto"
 * ends one hour before the next regular run, a duration counts from `windowFrom` (the failed slot, or when a
 * catch-up or start run began), "off" never retries.
 */
export function retryAt(job: JobConfig, attempt: number, windowFrom: Date, nextRegular: Date | undefined, now: Date = new Date()): Date | undefined {
  if (job.retryWindow === "off") return undefined;
  const delay = Math.min(DEFAULTS.retryDelayCapMs, job.retryDelayMs * 2 ** Math.max(0, attempt - 1));
  const at = new Date(now.getTime() + delay);
  const end = job.retryWindow === "auto" ? (nextRegular ? nextRegular.getTime() - 3_600_000 : undefined) : windowFrom.getTime() + job.retryWindow;
  if (end === undefined || at.getTime() > end) return undefined;
  return at;
}

/** Why a scheduled run pushes every contact again (fullEvery), or undefined for an incremental run. */
export function fullReasonOf(job: JobConfig, lastFull: RunRow | undefined, now: Date = new Date()): string | undefined {
  if (job.fullEveryMs === undefined) return undefined;
  const every = `fullEvery ${formatDuration(job.fullEveryMs)}`;
  if (!lastFull) return `${every}: no full run on record`;
  const age = now.getTime() - lastFull.startedAt.getTime();
  if (age < job.fullEveryMs) return undefined;
  return `${every}: the last full run was #${lastFull.id} on ${lastFull.startedAt.toISOString()}`;
}
