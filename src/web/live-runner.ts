// The daemon's job runner with a live feed: each run's progress goes to a LiveRunBoard the viewer follows.
import type { AppConfig } from "../config/index.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/index.js";
import type { PbxSession } from "../sync/pbx-session.js";
import type { ProgressSink } from "../sync/progress.js";
import { JobRunner, type RunRequest, type RunSummary } from "../sync/runner.js";
import type { LiveRunBoard } from "./live.js";

/** Both sinks get every snapshot. */
function bothSinks(first: ProgressSink, second: ProgressSink): ProgressSink {
  return {
    update(snapshot) {
      first.update(snapshot);
      second.update(snapshot);
    },
    done(snapshot) {
      first.done(snapshot);
      second.done(snapshot);
    },
  };
}

/** A JobRunner whose runs (not dry runs: those are never on record) are followed on `board` from start to end. */
export class LiveJobRunner extends JobRunner {
  constructor(config: AppConfig, store: Store, pbx: PbxSession, logger: Logger, private readonly board: LiveRunBoard) {
    super(config, store, pbx, logger);
  }

  override async run(request: RunRequest): Promise<RunSummary> {
    if (request.dryRun) return super.run(request);
    const feed = this.board.begin(request.job.name);
    let summary: RunSummary | undefined;
    try {
      summary = await super.run({ ...request, progress: request.progress ? bothSinks(request.progress, feed) : feed });
      return summary;
    } finally {
      // Only now is the run's end on record (or known to be missing): a page reloaded on "end" shows it.
      if (summary?.runId != null) feed.bind(summary.runId);
      feed.end(summary ? { status: summary.status, counts: summary.counts } : { status: "failed", counts: null });
    }
  }
}
