// A run's per-contact table: the filter form, sortable headers, the rows with their detail, the pager, the exports.
import { html } from "hono/html";
import { OUTCOMES, type ContactResultRow, type Outcome, type ResultSort, type RunRow } from "../store/index.js";
import { rowDetail } from "./detail.js";
import type { Markup } from "./layout.js";
import { PAGE_SIZES, exportHref, tableHref, type TableQuery } from "./run-query.js";
import { OUTCOME_MEANING, contactHref, number, outcomeBadge } from "./wording.js";

export interface TableView {
  run: RunRow;
  query: TableQuery;
  rows: readonly ContactResultRow[];
  /** Rows matching the filter and search. */
  total: number;
  /** The store stopped counting a search's matches: `total` is "at least". */
  totalIsLowerBound: boolean;
  /** Rows per outcome in the whole run. */
  byOutcome: Record<Outcome, number>;
}

export function filterForm(view: TableView): Markup {
  const { run, query, byOutcome } = view;
  const offered = OUTCOMES.filter((outcome) => byOutcome[outcome] > 0 || query.outcomes.includes(outcome));
  return html`<form class="filters" method="get" action="/runs/${run.id}" data-autosubmit data-testid="filters" id="filters">
${offered.length === 0 ? "" : html`<fieldset data-testid="outcome-filter"><legend>outcomes (none ticked: all)</legend>${offered.map(
    (outcome) =>
      html`<label title="${OUTCOME_MEANING[outcome]}"><input type="checkbox" name="outcome" value="${outcome}" data-testid="outcome-${outcome}"${query.outcomes.includes(outcome) ? html` checked` : ""}> ${outcome} <span class="muted">(${number(byOutcome[outcome])})</span></label>`,
  )}</fieldset>`}
<label>search <input type="search" name="q" id="search" data-testid="search-input" value="${query.search}" placeholder="name, id, number, info…" autocomplete="off"></label>
<label>rows per page <select name="size" data-testid="page-size">${PAGE_SIZES.map((size) => html`<option value="${size}"${size === query.size ? html` selected` : ""}>${size}</option>`)}</select></label>
${query.sort !== "seq" ? html`<input type="hidden" name="sort" value="${query.sort}">` : ""}${query.descending ? html`<input type="hidden" name="dir" value="desc">` : ""}
<button type="submit" data-testid="apply-filters">Apply</button>
${query.outcomes.length > 0 || query.search !== "" ? html`<a href="/runs/${run.id}" data-testid="clear-filters">clear</a>` : ""}
</form>`;
}

function sortHeader(view: TableView, sort: ResultSort, label: string): Markup {
  const { run, query } = view;
  const active = query.sort === sort;
  const descending = active ? !query.descending : false;
  const classes = active ? (query.descending ? "sorted desc" : "sorted") : "";
  return html`<th${active ? html` aria-sort="${query.descending ? "descending" : "ascending"}"` : ""}><a href="${tableHref(run.id, query, { sort, descending })}" class="${classes}" data-testid="sort-${sort}">${label}</a></th>`;
}

function rowMarkup(row: ContactResultRow): Markup {
  const id = row.externalId;
  return html`<tr data-testid="result-row" data-seq="${row.seq}" data-outcome="${row.outcome}">
<td class="num">${row.seq}</td><td class="mono ref">${row.ref ?? ""}</td>
<td class="mono">${id ? html`<a href="${contactHref(row.appName, id)}" data-testid="contact-link">${id}</a>` : html`<span class="muted">none</span>`}</td>
<td class="name">${row.displayName ?? ""}</td><td>${outcomeBadge(row.outcome)}</td><td class="num mono">${row.pbxId ?? ""}</td>
<td class="info">${row.info ?? ""}</td><td>${rowDetail(row)}</td></tr>`;
}

/** The pager; `prefix` tells the one under the table from the one above in test ids ("bottom-"). */
export function pager(view: TableView, prefix = ""): Markup {
  const { run, query, total } = view;
  const pages = Math.max(1, Math.ceil(total / query.size), view.totalIsLowerBound ? query.page + 1 : 1);
  const first = total === 0 ? 0 : (query.page - 1) * query.size + 1;
  const last = view.totalIsLowerBound ? first + view.rows.length - 1 : Math.min(total, query.page * query.size);
  const of = view.totalIsLowerBound ? `more than ${number(total)}` : number(total);
  const shown = [...new Set([1, query.page - 2, query.page - 1, query.page, query.page + 1, query.page + 2, ...(view.totalIsLowerBound ? [] : [pages])])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  const link = (n: number, text: string, testId: string) => html`<a href="${tableHref(run.id, query, { page: n })}" data-testid="${prefix}${testId}">${text}</a>`;
  return html`<nav class="pager" data-testid="${prefix}pager" aria-label="pages"><span data-testid="${prefix}row-range">rows ${number(first)}–${number(last)} of ${of}</span>
${query.page > 1 ? link(query.page - 1, "‹ previous", "page-prev") : ""}${shown.map((n) =>
    n === query.page ? html`<span class="current" aria-current="page" data-testid="${prefix}page-current">${n}</span>` : link(n, String(n), `page-${n}`),
  )}${query.page < pages ? link(query.page + 1, "next ›", "page-next") : ""}</nav>`;
}

export function exportLinks(view: TableView): Markup {
  return html`<div class="exports">export these ${view.totalIsLowerBound ? `${number(view.total)}+` : number(view.total)} rows:
<a href="${exportHref(view.run.id, view.query, "csv")}" data-testid="export-csv" download>CSV</a> ·
<a href="${exportHref(view.run.id, view.query, "csv", ";")}" data-testid="export-csv-semicolon" download title="cells separated by ; as Excel expects in Italy, Germany, France">CSV (;)</a> ·
<a href="${exportHref(view.run.id, view.query, "json")}" data-testid="export-json" download>JSON</a></div>`;
}

export function resultsTable(view: TableView): Markup {
  if (view.rows.length === 0) {
    const filtered = view.query.outcomes.length > 0 || view.query.search !== "";
    const none = view.run.status === "running" ? "No contact rows recorded yet." : "No contact rows: unchanged contacts are only counted.";
    const text = filtered ? "No contact matches these filters." : view.total === 0 ? none : "No rows on this page.";
    return html`<p data-testid="no-results">${text}</p>`;
  }
  return html`<div class="scroll"><table data-testid="results-table" id="results"><thead><tr>
${sortHeader(view, "seq", "#")}<th>ref</th>${sortHeader(view, "externalId", "external id")}${sortHeader(view, "name", "name")}${sortHeader(view, "outcome", "outcome")}<th class="num">PBX id</th><th>info</th><th>detail</th>
</tr></thead><tbody>${view.rows.map(rowMarkup)}</tbody></table></div>`;
}
