// A run's table as the URL says it (?outcome=&q=&sort=&dir=&page=&size=), and links that keep it while changing a part.
import { OUTCOMES, RESULT_SORTS, type Outcome, type ResultSort, type ResultsQuery } from "../store/index.js";

export const PAGE_SIZES = [50, 100, 500] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
export const DEFAULT_PAGE_SIZE: PageSize = 50;
/** Longest search kept: a search box, not a document. */
const MAX_SEARCH = 200;

export interface TableQuery {
  /** Empty: every outcome. */
  outcomes: Outcome[];
  search: string;
  sort: ResultSort;
  descending: boolean;
  /** From 1. */
  page: number;
  size: PageSize;
}

export const DEFAULT_TABLE_QUERY: TableQuery = { outcomes: [], search: "", sort: "seq", descending: false, page: 1, size: DEFAULT_PAGE_SIZE };

/** The query of a URL; an unknown outcome or sort is a problem to show (a bookmark gone stale), not a silent default. */
export function parseTableQuery(params: URLSearchParams): { query: TableQuery } | { problem: string } {
  const known: ReadonlySet<string> = new Set(OUTCOMES);
  const outcomes: Outcome[] = [];
  for (const value of params.getAll("outcome")) {
    for (const name of value.split(",").map((part) => part.trim().toLowerCase()).filter((part) => part !== "")) {
      if (!known.has(name)) return { problem: `unknown outcome "${name}": use ${OUTCOMES.join(", ")}` };
      if (!outcomes.includes(name as Outcome)) outcomes.push(name as Outcome);
    }
  }
  const sort = params.get("sort") ?? "seq";
  if (!(RESULT_SORTS as readonly string[]).includes(sort)) return { problem: `unknown sort "${sort}": use ${RESULT_SORTS.join(", ")}` };
  const dir = params.get("dir") ?? "asc";
  if (dir !== "asc" && dir !== "desc") return { problem: `unknown dir "${dir}": use asc or desc` };
  const size = Number(params.get("size") ?? DEFAULT_PAGE_SIZE);
  const page = Number(params.get("page") ?? 1);
  return {
    query: {
      outcomes,
      search: (params.get("q") ?? "").trim().slice(0, MAX_SEARCH),
      sort: sort as ResultSort,
      descending: dir === "desc",
      page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
      size: (PAGE_SIZES as readonly number[]).includes(size) ? (size as PageSize) : DEFAULT_PAGE_SIZE,
    },
  };
}

/** The store query for one page of the table (or, without `page`, its filter and order for an export). */
export function toResultsQuery(query: TableQuery, limit: number = query.size, offset: number = (query.page - 1) * query.size): ResultsQuery {
  return {
    ...(query.outcomes.length > 0 ? { outcomes: query.outcomes } : {}),
    ...(query.search !== "" ? { search: query.search } : {}),
    sort: query.sort,
    descending: query.descending,
    limit,
    offset,
  };
}

/** The query string of a table state: only what differs from the defaults, outcomes as repeated parameters. */
export function queryString(query: TableQuery, options: { withPage?: boolean } = {}): string {
  const params = new URLSearchParams();
  for (const outcome of query.outcomes) params.append("outcome", outcome);
  if (query.search !== "") params.set("q", query.search);
  if (query.sort !== DEFAULT_TABLE_QUERY.sort) params.set("sort", query.sort);
  if (query.descending) params.set("dir", "desc");
  if (options.withPage !== false) {
    if (query.size !== DEFAULT_PAGE_SIZE) params.set("size", String(query.size));
    if (query.page !== 1) params.set("page", String(query.page));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** A link to the run's table with some parts changed; changing anything but the page starts again at page 1. */
export function tableHref(runId: number, query: TableQuery, change: Partial<TableQuery> = {}): string {
  const next = { ...query, ...change };
  if (!("page" in change)) next.page = 1;
  return `/runs/${runId}${queryString(next)}`;
}

/** The export of what the table shows: every matching row, same filter, search and order (no paging). */
export function exportHref(runId: number, query: TableQuery, format: "csv" | "json", delimiter?: ";"): string {
  const search = queryString(query, { withPage: false });
  const extra = delimiter === undefined ? "" : `${search === "" ? "?" : "&"}delimiter=${encodeURIComponent(delimiter)}`;
  return `/runs/${runId}/export.${format}${search}${extra}`;
}
