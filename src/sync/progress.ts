// What the pipeline tells about its progress; the CLI decides how to show it.

export interface ProgressSnapshot {
  phase: "reading" | "pushing" | "deleting" | "done";
  read: number;
  pushed: number;
  failed: number;
  elapsedMs: number;
}

export interface ProgressSink {
  update(snapshot: ProgressSnapshot): void;
  done(snapshot: ProgressSnapshot): void;
}

export const noProgress: ProgressSink = { update() {}, done() {} };
