// The end-of-run summary a human reads: one block per job, counts aligned, the way to the report.
import { COUNT_LABELS } from "./count-labels.js";
import type { RunSummary } from "../sync/run-job.js";
import { EXIT, type ExitCode } from "./exit.js";


export function renderSummary(summary: RunSummary, context: { appName: string; pbx: string; reportHint?: string }): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const title = summary.runId === null ? "dry run" : summary.plan ? `dry run #${summary.runId} (recorded)` : `run #${summary.runId}`;
  const lines = [`Job ${summary.job} (uc_app_name ${context.appName}) -> ${context.pbx}: ${title} ${summary.status} in ${seconds}s`];
  if (summary.plan) {
    const { insert, update, delete: deletes } = summary.plan;
    lines.push(`  plan: ${insert.toLocaleString("en-US")} to insert, ${update.toLocaleString("en-US")} to update, ${deletes.toLocaleString("en-US")} to delete`);
  }
  const width = Math.max(...COUNT_LABELS.map(([, label]) => label.length));
  for (const [key, label] of COUNT_LABELS) {
    const value = summary.counts[key];
    // Zero rows only for the headline counts, so the block stays short.
    if (value === 0 && !["read", "inserted", "updated"].includes(key)) continue;
    lines.push(`  ${label.padEnd(width)}  ${value.toLocaleString("en-US").padStart(9)}`);
  }
  if (summary.fullReason) lines.push(`  full run: ${summary.fullReason}`);
  if (summary.error) lines.push(`  error: ${summary.error}`);
  if (summary.error && summary.hint) lines.push(`  hint: ${summary.hint}`);
  if (summary.recordError) lines.push(`  not on record: the store did not take the run's end (${summary.recordError}); the next run of the job marks it`);
  if (context.reportHint) lines.push(`  report: ${context.reportHint}`);
  return `${lines.join("\n")}\n`;
}

const SEVERITY: Record<RunSummary["status"], number> = { success: 0, running: 0, partial: 1, aborted: 2, failed: 3 };

/** The exit code of several runs: the worst of them. */
export function exitCodeOf(summaries: readonly RunSummary[]): ExitCode {
  let worst: RunSummary["status"] = "success";
  for (const summary of summaries) if (SEVERITY[summary.status] > SEVERITY[worst]) worst = summary.status;
  if (worst === "failed") return EXIT.failed;
  if (worst === "aborted") return EXIT.aborted;
  if (worst === "partial") return EXIT.partial;
  return EXIT.success;
}
