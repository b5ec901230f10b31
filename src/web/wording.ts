// The viewer's words for counts, outcomes and statuses (as `reports show` words them), and small formatted pieces.
import { html } from "hono/html";
import { COUNT_LABELS } from "../cli/count-labels.js";
import { formatDuration, formatLocalTime } from "../cli/table.js";
import type { Outcome, RunCounts, RunRow, RunStatus } from "../store/index.js";

/** The outcome whose rows each count counts (a filter link); counts without one (read, unchanged) link nowhere. */
const COUNT_OUTCOMES: Partial<Record<keyof RunCounts, Outcome>> = {
  inserted: "inserted",
  updated: "updated",
  warnings: "warning",
  skipped: "skipped",
  invalid: "invalid",
  duplicates: "duplicate",
  rejected: "rejected",
  errors: "error",
  unconfirmed: "unconfirmed",
  deleted: "deleted",
  kept: "kept",
};

/** Every count, labelled as `reports show` labels it, with the outcome whose rows it counts. */
export const COUNT_WORDS: ReadonlyArray<{ key: keyof RunCounts; label: string; outcome?: Outcome }> = COUNT_LABELS.map(([key, label]) => {
  const outcome = COUNT_OUTCOMES[key];
  return outcome === undefined ? { key, label } : { key, label, outcome };
});

/** What each outcome means, for the filter's titles. */
export const OUTCOME_MEANING: Readonly<Record<Outcome, string>> = {
  inserted: "new on the PBX",
  updated: "changed on the PBX",
  warning: "accepted by the PBX with a warning",
  skipped: "skipped by a mapping rule",
  invalid: "the record could not become a contact",
  duplicate: "another record has the same external id",
  rejected: "the PBX refused the contact",
  error: "the contact could not be sent",
  unconfirmed: "sent, but the PBX answer did not mention it",
  deleted: "gone from the source, deleted on the PBX",
  kept: "gone from the source, kept on the PBX by the deletion guard",
};

export const STATUS_MEANING: Readonly<Record<RunStatus, string>> = {
  running: "running (or killed before it could record its end)",
  success: "success",
  partial: "partial: some contacts did not reach the PBX",
  failed: "failed",
  aborted: "aborted",
};

/** Contacts that did not reach the PBX: the counts that make a run "partial" (as `reports list` sums them). */
export function lostCount(counts: RunCounts): number {
  return counts.invalid + counts.duplicates + counts.rejected + counts.errors + counts.unconfirmed;
}

/** Contacts the run changed on the PBX. */
export function changedCount(counts: RunCounts): number {
  return counts.inserted + counts.updated + counts.deleted;
}

export function runDuration(run: Pick<RunRow, "startedAt" | "endedAt" | "status">): string {
  if (run.endedAt) return formatDuration(run.endedAt.getTime() - run.startedAt.getTime());
  return run.status === "running" ? "running" : "";
}

/** A time: the server's local time as text, the exact instant for machines (app.js shows it in the reader's zone). */
export function timeTag(date: Date) {
  return html`<time datetime="${date.toISOString()}">${formatLocalTime(date)}</time>`;
}

export function statusBadge(status: RunStatus, dryRun = false) {
  return html`<span class="badge status-${status}" data-testid="run-status" title="${STATUS_MEANING[status]}">${status}</span>${dryRun ? html` <span class="badge dry-run" data-testid="dry-run" title="a dry run: nothing was sent, nothing recorded as sent">dry run</span>` : ""}`;
}

export function outcomeBadge(outcome: Outcome) {
  return html`<span class="badge outcome-${outcome}" title="${OUTCOME_MEANING[outcome]}">${outcome}</span>`;
}

/** "1 234" style: thin grouping that reads in any locale. */
export function number(value: number): string {
  return value.toLocaleString("en-US").replace(/,/g, "\u202f");
}

/** The path of a contact's page. */
export function contactHref(appName: string, externalId: string): string {
  return `/contacts/${encodeURIComponent(appName)}/${encodeURIComponent(externalId)}`;
}

export function jobHref(job: string): string {
  return `/jobs/${encodeURIComponent(job)}`;
}
