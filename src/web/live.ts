// Runs in progress in this process, as the viewer's live view sees them: the latest progress, and a way to follow it.
import type { RunCounts, RunRow, RunStatus } from "../store/index.js";
import type { ProgressSink, ProgressSnapshot } from "../sync/progress.js";

/** A run's progress while it runs: the pipeline's snapshot, and which run it is. */
export interface LiveProgress extends ProgressSnapshot {
  job: string;
  /** Null until the run is known by id (the daemon learns it when the run ends; the viewer matches it by start). */
  runId: number | null;
}

/** How a run ended: its status and counts as recorded (counts null when the run could not even start). */
export interface LiveEnd {
  status: RunStatus;
  counts: RunCounts | null;
}

export type LiveEvent = { type: "progress"; progress: LiveProgress } | { type: "end"; end: LiveEnd };

/** What the viewer knows of a run from the store: enough to find it among the runs live here. */
export type LiveRunKey = Pick<RunRow, "id" | "job" | "startedAt">;

/** The read side the viewer uses: the daemon implements it (LiveRunBoard); a plain `serve` has none. */
export interface LiveRuns {
  /** The run's latest progress when this process runs it now; undefined otherwise. */
  progress(run: LiveRunKey): LiveProgress | undefined;
  /**
   * Calls `listener` with each progress and then once with the end. Returns the function that stops listening
   * (call it when the client goes away), or undefined when the run is not live here.
   */
  watch(run: LiveRunKey, listener: (event: LiveEvent) => void): (() => void) | undefined;
}

/** The write side, one per run: the pipeline's progress sink, plus the run's id and end. */
export interface LiveFeed extends ProgressSink {
  bind(runId: number): void;
  end(result: LiveEnd): void;
}

/**
 * A row's start may be stored at a coarser precision than the clock that began the feed (MySQL DATETIME keeps
 * seconds): a run started this much before its feed still counts as the feed's run.
 */
const START_TOLERANCE_MS = 1_000;

interface Entry {
  job: string;
  runId: number | null;
  since: number;
  latest: LiveProgress;
  listeners: Set<(event: LiveEvent) => void>;
}

/**
 * Runs in progress, fed by whoever runs them. One process runs a job at most once at a time (the job lock), and
 * the run row is created after the feed begins: so a running row of the job that started after the feed began is
 * the feed's run, even before the feed knows its id.
 */
export class LiveRunBoard implements LiveRuns {
  private readonly entries = new Set<Entry>();

  /** Starts following a run of `job`; `runId` when already known. */
  begin(job: string, runId: number | null = null, now = Date.now()): LiveFeed {
    const entry: Entry = { job, runId, since: now, latest: { job, runId, phase: "reading", read: 0, pushed: 0, failed: 0, elapsedMs: 0 }, listeners: new Set() };
    this.entries.add(entry);
    const publish = (snapshot: ProgressSnapshot) => {
      if (!this.entries.has(entry)) return;
      entry.latest = { ...snapshot, job, runId: entry.runId };
      for (const listener of [...entry.listeners]) listener({ type: "progress", progress: entry.latest });
    };
    return {
      update: publish,
      done: publish,
      bind: (id) => {
        entry.runId = id;
        entry.latest = { ...entry.latest, runId: id };
      },
      end: (result) => {
        if (!this.entries.delete(entry)) return;
        for (const listener of [...entry.listeners]) listener({ type: "end", end: result });
        entry.listeners.clear();
      },
    };
  }

  progress(run: LiveRunKey): LiveProgress | undefined {
    return this.find(run)?.latest;
  }

  watch(run: LiveRunKey, listener: (event: LiveEvent) => void): (() => void) | undefined {
    const entry = this.find(run);
    if (!entry) return undefined;
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
    };
  }

  /** Listeners attached now, over every run: a client that went away must leave none behind. */
  get listenerCount(): number {
    let count = 0;
    for (const entry of this.entries) count += entry.listeners.size;
    return count;
  }

  /** Runs being followed now. */
  get size(): number {
    return this.entries.size;
  }

  private find(run: LiveRunKey): Entry | undefined {
    let found: Entry | undefined;
    for (const entry of this.entries) {
      if (entry.job !== run.job) continue;
      const matches = entry.runId === null ? run.startedAt.getTime() >= entry.since - START_TOLERANCE_MS : entry.runId === run.id;
      if (matches && (!found || entry.since > found.since)) found = entry;
    }
    return found;
  }
}
