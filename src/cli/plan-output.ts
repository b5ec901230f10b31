// How a dry run's plan is shown: the first contacts of each class as text, or every entry as JSON Lines.
import { shownValue } from "../store/detail.js";
import type { PlanClass, PlanEntry, PlanSink } from "../sync/plan.js";
import type { RunSummary } from "../sync/run-job.js";

/** Contacts listed per class in the text form; the JSON form lists all. */
export const PLAN_SAMPLE = 10;
const ORDER: readonly PlanClass[] = ["insert", "update", "delete", "keep", "skip", "invalid", "duplicate"];

export interface PlanPrinter extends PlanSink {
  /** After the run: prints what was collected (text) or the closing line (JSON). */
  finish(summary: RunSummary): void;
}

export function textPlan(out: NodeJS.WritableStream): PlanPrinter {
  const samples = new Map<PlanClass, PlanEntry[]>();
  const totals = new Map<PlanClass, number>();
  return {
    entry(entry) {
      totals.set(entry.class, (totals.get(entry.class) ?? 0) + 1);
      const list = samples.get(entry.class) ?? [];
      if (list.length < PLAN_SAMPLE) list.push(entry);
      samples.set(entry.class, list);
    },
    finish() {
      for (const planClass of ORDER) {
        const list = samples.get(planClass);
        if (!list) continue;
        const total = totals.get(planClass) ?? 0;
        out.write(`  ${planClass} (${total}${total > list.length ? `, first ${list.length} shown; --format json lists all` : ""}):\n`);
        // Kept contacts share one reason, the guard's: said once.
        if (planClass === "keep" && list[0]) out.write(`    ${list[0].info}\n`);
        for (const entry of list) {
          const who = [entry.externalId, entry.name, entry.pbxId ? `(PBX id ${entry.pbxId})` : ""].filter(Boolean).join(" ");
          const why = [planClass === "keep" ? "" : entry.info, ...changesText(entry)].filter((part) => part !== "").join("; ");
          out.write(`    ${(entry.ref ?? "").padEnd(10)} ${who}${why ? `: ${why}` : ""}\n`);
        }
      }
    },
  };
}

/** "numoffice: +3902 → +3903" for each field a planned update changes. */
function changesText(entry: PlanEntry): string[] {
  return Object.entries(entry.changes ?? {}).map(([field, { from, to }]) => `${field}: ${shownValue(from)} → ${shownValue(to)}`);
}

/** One JSON object per line: every planned contact, then one summary line per job. */
export function jsonPlan(out: NodeJS.WritableStream, job: string): PlanPrinter {
  return {
    entry(entry) {
      out.write(`${JSON.stringify({ job, ...entry })}\n`);
    },
    finish(summary) {
      out.write(`${JSON.stringify({ job, summary: { status: summary.status, plan: summary.plan, counts: summary.counts, error: summary.error } })}\n`);
    },
  };
}
