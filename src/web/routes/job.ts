// `/jobs/<name>`: a job's trend (contacts by outcome per run, run duration: uPlot charts) and all its runs, paged.
import type { Hono } from "hono";
import { html, raw } from "hono/html";
import type { RunRow } from "../../store/index.js";
import type { ViewerDeps, ViewerEnv } from "../context.js";
import { messagePage, page, type Markup } from "../layout.js";
import { changedCount, lostCount, number } from "../wording.js";
import { runsTable } from "./runs.js";

/** Runs the charts span, newest; the table pages through all of them. */
export const TREND_RUNS = 200;
const RUNS_PER_PAGE = 50;

/** The chart series: a count per run, with the colour app.css gives the outcome. */
const SERIES: ReadonlyArray<{ label: string; color: string; value: (run: RunRow) => number }> = [
  { label: "inserted", color: "#1a7f37", value: (run) => run.counts.inserted },
  { label: "updated", color: "#0969da", value: (run) => run.counts.updated },
  { label: "deleted", color: "#24292f", value: (run) => run.counts.deleted },
  { label: "warnings", color: "#9a6700", value: (run) => run.counts.warnings },
  { label: "skipped", color: "#8c959f", value: (run) => run.counts.skipped },
  { label: "not on PBX", color: "#cf222e", value: (run) => lostCount(run.counts) },
  { label: "kept", color: "#0b5d4b", value: (run) => run.counts.kept },
];

export interface TrendData {
  runs: number[];
  /** Run starts, seconds since the epoch, oldest first (uPlot's x axis). */
  t: number[];
  outcomes: Array<{ label: string; color: string; values: number[] }>;
  /** Seconds; null for a run that has not ended. */
  durationS: Array<number | null>;
}

export function trendData(newestFirst: readonly RunRow[]): TrendData {
  const runs = [...newestFirst].reverse();
  return {
    runs: runs.map((run) => run.id),
    t: runs.map((run) => Math.floor(run.startedAt.getTime() / 1000)),
    outcomes: SERIES.map((series) => ({ label: series.label, color: series.color, values: runs.map(series.value) })),
    durationS: runs.map((run) => (run.endedAt ? Math.round((run.endedAt.getTime() - run.startedAt.getTime()) / 100) / 10 : null)),
  };
}

/**
 * JSON for a <script type="application/json"> element: data, never run, so the CSP needs no exception. Every <, >
 * and & is escaped, so no value can close the element; the line separators JavaScript once choked on too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function charts(runs: readonly RunRow[]): Markup {
  if (runs.length === 0) return html`<p data-testid="no-trend">No trend yet: this job has only dry runs, which send nothing.</p>`;
  return html`<h2>Trend <span class="muted">(last ${runs.length} runs)</span></h2>
<h3>Contacts per run, by outcome</h3>
<div class="chart" id="chart-outcomes" data-testid="chart-outcomes"><p class="muted">The chart needs JavaScript; the table below has the same numbers.</p></div>
<h3>Run duration</h3>
<div class="chart" id="chart-duration" data-testid="chart-duration"></div>
<script type="application/json" id="job-trend-data" data-testid="job-trend-data">${raw(jsonForScript(trendData(runs)))}</script>`;
}

function jobPager(job: string, pageNumber: number, hasMore: boolean): Markup {
  const href = (n: number) => `/jobs/${encodeURIComponent(job)}${n === 1 ? "" : `?page=${n}`}`;
  return html`<nav class="pager" data-testid="job-pager">${pageNumber > 1 ? html`<a href="${href(pageNumber - 1)}" data-testid="job-page-prev">‹ newer</a>` : ""}<span class="current">page ${pageNumber}</span>${
    hasMore ? html`<a href="${href(pageNumber + 1)}" data-testid="job-page-next">older ›</a>` : ""
  }</nav>`;
}

export function registerJobPage(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  app.get("/jobs/:job", async (c) => {
    const job = c.req.param("job");
    const requested = Number(c.req.query("page") ?? 1);
    const pageNumber = Number.isSafeInteger(requested) && requested >= 1 ? requested : 1;
    const [trend, listed] = await Promise.all([
      deps.store.listRuns({ job, limit: TREND_RUNS }),
      deps.store.listRuns({ job, limit: RUNS_PER_PAGE + 1, offset: (pageNumber - 1) * RUNS_PER_PAGE }),
    ]);
    if (trend.length === 0) return c.html(messagePage("Job not found", `No run of job "${job}" is in this store.`, deps.store.location), 404);
    const real = trend.filter((run) => !run.dryRun);
    const changed = real.reduce((sum, run) => sum + changedCount(run.counts), 0);
    const body = html`<h1 data-testid="job-title">Job ${job}</h1>
<p class="muted">${number(trend.length)} runs shown in the trend; ${number(changed)} contacts changed by them (dry runs left out).</p>
${charts(real)}
<h2>Runs</h2>
${jobPager(job, pageNumber, listed.length > RUNS_PER_PAGE)}
${listed.length === 0 ? html`<p>No runs on this page.</p>` : runsTable(listed.slice(0, RUNS_PER_PAGE), "job-runs-table")}`;
    return c.html(page({ title: `Job ${job}`, page: "job", location: deps.store.location, charts: true, body }));
  });
}
