// `/`: the recent runs of every job, newest first, with a sparkline of the contacts each run changed.
import type { Hono } from "hono";
import { html } from "hono/html";
import type { RunRow } from "../../store/index.js";
import type { ViewerDeps, ViewerEnv } from "../context.js";
import { page, type Markup } from "../layout.js";
import { sparkline } from "../sparkline.js";
import { changedCount, jobHref, lostCount, number, runDuration, statusBadge, timeTag } from "../wording.js";

/** Runs listed per job on the front page; the job's page has them all. */
export const RUNS_PER_JOB = 20;
/** Runs the sparkline spans. */
const SPARK_RUNS = 30;

/** The runs table used by the front page and the job page. */
export function runsTable(runs: readonly RunRow[], testId: string): Markup {
  return html`<div class="scroll"><table data-testid="${testId}"><thead><tr>
<th class="num">run</th><th>status</th><th>trigger</th><th>started</th><th class="num">duration</th><th class="num">read</th><th class="num">inserted</th><th class="num">updated</th><th class="num">deleted</th><th class="num">unchanged</th><th class="num">warnings</th><th class="num" title="invalid, duplicate, rejected, failed, unconfirmed">not on PBX</th><th class="num">kept</th>
</tr></thead><tbody>${runs.map((run) => {
    const c = run.counts;
    return html`<tr class="status-row-${run.status}" data-testid="run-row" data-run-id="${run.id}">
<td class="num"><a href="/runs/${run.id}" data-testid="run-link">${run.id}</a></td><td>${statusBadge(run.status, run.dryRun)}</td><td>${run.trigger}</td><td>${timeTag(run.startedAt)}</td><td class="num">${runDuration(run)}</td>
<td class="num">${number(c.read)}</td><td class="num">${number(c.inserted)}</td><td class="num">${number(c.updated)}</td><td class="num">${number(c.deleted)}</td><td class="num">${number(c.unchanged)}</td><td class="num">${number(c.warnings)}</td><td class="num">${number(lostCount(c))}</td><td class="num">${number(c.kept)}</td></tr>`;
  })}</tbody></table></div>`;
}

async function jobSection(deps: ViewerDeps, job: string): Promise<Markup> {
  const runs = await deps.store.listRuns({ job, limit: SPARK_RUNS });
  const changed = runs.filter((run) => !run.dryRun).map((run) => changedCount(run.counts)).reverse();
  return html`<section class="job" data-testid="job-section" data-job="${job}">
<div class="job-head"><h2><a href="${jobHref(job)}" data-testid="job-link">${job}</a></h2>${sparkline(changed, { label: "contacts changed per run, oldest first", testId: "job-sparkline" })}
<a href="${jobHref(job)}">trend and all runs</a></div>
${runsTable(runs.slice(0, RUNS_PER_JOB), "runs-table")}
</section>`;
}

export function registerRunsList(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  app.get("/", async (c) => {
    const jobs = await deps.store.listJobs();
    const sections = await Promise.all(jobs.map((job) => jobSection(deps, job)));
    const body =
      jobs.length === 0
        ? html`<h1>Runs</h1><p data-testid="no-runs">No runs yet in this store. Run a sync (or <code>npm start</code> for the demo), then reload.</p>`
        : html`<h1>Runs</h1><p class="muted">The latest ${RUNS_PER_JOB} runs of each job, newest first. A run's page has every contact it touched.</p>${sections}`;
    return c.html(page({ title: "Runs", page: "runs", location: deps.store.location, body }));
  });
}
