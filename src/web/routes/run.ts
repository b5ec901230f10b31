// `/runs/<id>`: one run: its facts and counts, the guard or error message, live progress while it runs, its contacts.
import type { Hono } from "hono";
import { html } from "hono/html";
import type { RunRow } from "../../store/index.js";
import type { ViewerContext, ViewerDeps, ViewerEnv } from "../context.js";
import { messagePage, page, type Markup } from "../layout.js";
import type { LiveProgress } from "../live.js";
import { parseTableQuery, tableHref, toResultsQuery, type TableQuery } from "../run-query.js";
import { exportLinks, filterForm, pager, resultsTable, type TableView } from "../run-table.js";
import { COUNT_WORDS, jobHref, number, runDuration, statusBadge, timeTag } from "../wording.js";

/** The run of `/runs/:id...`, or the 404 page's response. */
export async function runOr404(c: ViewerContext, deps: ViewerDeps): Promise<RunRow | Response> {
  const id = Number(c.req.param("id"));
  const run = Number.isSafeInteger(id) ? await deps.store.getRun(id) : undefined;
  if (!run) return c.html(messagePage("Run not found", `Run ${c.req.param("id") ?? ""} is not in this store.`, deps.store.location), 404);
  return run;
}

function facts(run: RunRow): Markup {
  const ended = run.endedAt ? html`${timeTag(run.endedAt)} (${runDuration(run)})` : run.status === "running" ? "not yet" : "";
  return html`<dl class="facts" data-testid="run-facts">
<dt>job</dt><dd><a href="${jobHref(run.job)}">${run.job}</a></dd>
<dt>uc_app_name</dt><dd class="mono">${run.appName}</dd>
<dt>PBX</dt><dd class="mono">${run.pbx}</dd>
<dt>trigger</dt><dd>${run.trigger}${run.scheduledFor ? html` <span class="muted">(slot ${run.scheduledFor})</span>` : ""}</dd>
<dt>started</dt><dd>${timeTag(run.startedAt)}</dd>
<dt>ended</dt><dd>${ended}</dd>
${run.fullReason ? html`<dt>full run</dt><dd>${run.fullReason}</dd>` : ""}${run.host ? html`<dt>host</dt><dd>${run.host}${run.pid === null ? "" : ` (pid ${run.pid})`}</dd>` : ""}
</dl>`;
}

function counts(run: RunRow, query: TableQuery): Markup {
  const note = run.status === "running" ? html`<p class="muted" data-testid="counts-pending">The counts are recorded when the run ends.</p>` : "";
  return html`${note}<ul class="counts" data-testid="run-counts">${COUNT_WORDS.map(({ key, label, outcome }) => {
    const value = run.counts[key];
    const inner = html`<span class="n" data-testid="count-${key}">${number(value)}</span> ${label}`;
    return html`<li class="${value === 0 ? "zero" : ""}">${outcome && value > 0 ? html`<a href="${tableHref(run.id, { ...query, outcomes: [outcome], search: "" })}">${inner}</a>` : inner}</li>`;
  })}</ul>`;
}

/** Why the run ended as it did: its error (a tripped guard says so), and the contacts a guard kept. */
function messages(run: RunRow): Markup {
  return html`${run.error ? html`<p class="callout ${run.status}" role="alert" data-testid="run-error">${run.error}</p>` : ""}${
    run.counts.kept > 0
      ? html`<p class="callout partial" data-testid="guard-kept">${number(run.counts.kept)} contacts gone from the source were kept on the PBX: a deletion guard held their deletion back.</p>`
      : ""
  }${run.dryRun ? html`<p class="callout" data-testid="dry-run-note">A dry run: the plan only. Nothing was sent to the PBX.</p>` : ""}`;
}

/** While the run runs: pushed progress when this process runs it (the daemon), else a plain note. */
function liveBlock(run: RunRow, progress: LiveProgress | undefined): Markup | "" {
  if (run.status !== "running") return "";
  if (!progress) {
    return html`<p class="callout live" data-testid="run-running">This run is still running, or its process ended before recording the end. The viewer has no live feed here (the daemon serves one with <code>daemon.http.viewer</code>): reload for the latest state.</p>`;
  }
  const field = (key: string, label: string, value: string) => html`<dt>${label}</dt><dd data-live="${key}" data-testid="live-${key}">${value}</dd>`;
  return html`<section class="callout live" id="live-run" data-testid="live-run" data-events="/runs/${run.id}/events" aria-live="polite">
<strong data-live-state>running</strong><dl>${field("phase", "phase", progress.phase)}${field("read", "read", String(progress.read))}${field("pushed", "pushed", String(progress.pushed))}${field("failed", "failed", String(progress.failed))}${field("elapsed", "elapsed", `${Math.round(progress.elapsedMs / 1000)} s`)}</dl></section>`;
}

export function registerRunPage(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  app.get("/runs/:id{[0-9]+}", async (c) => {
    const found = await runOr404(c, deps);
    if (found instanceof Response) return found;
    const run = found;
    const parsed = parseTableQuery(new URL(c.req.url).searchParams);
    if ("problem" in parsed) return c.html(messagePage("Bad filter", parsed.problem, deps.store.location), 400);
    let query = parsed.query;
    const byOutcome = await deps.store.countResults(run.id);
    let result = await deps.store.queryResults(run.id, toResultsQuery(query));
    const pages = Math.max(1, Math.ceil(result.total / query.size));
    if (query.page > pages && result.totalIsLowerBound !== true) {
      // A page past the end (the filter narrowed since the bookmark): show the last one.
      query = { ...query, page: pages };
      result = await deps.store.queryResults(run.id, toResultsQuery(query));
    }
    const view: TableView = { run, query, rows: result.rows, total: result.total, totalIsLowerBound: result.totalIsLowerBound === true, byOutcome };
    const body = html`<h1 data-testid="run-title">Run ${run.id} <span class="muted">of</span> ${run.job} ${statusBadge(run.status, run.dryRun)}</h1>
${messages(run)}${liveBlock(run, deps.live?.progress(run))}${facts(run)}${counts(run, query)}
<h2 id="contacts">Contacts</h2>
${filterForm(view)}
<div class="toolbar">${pager(view)}${exportLinks(view)}</div>
${resultsTable(view)}
${view.rows.length > 0 ? html`<div class="toolbar">${pager(view, "bottom-")}</div>` : ""}`;
    return c.html(page({ title: `Run ${run.id} (${run.job})`, page: "run", location: deps.store.location, body }));
  });
}
