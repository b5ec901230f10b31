// `/runs/<id>/export.csv|json`: every row the run's table matches now (its filter, search and order), streamed page by
// page through the same formula-safe writer as `reports export`.
import type { Hono } from "hono";
import { parseDelimiter } from "../../cli/reports.js";
import { exportChunks, type ContactResultRow, type CsvDelimiter, type ResultsQuery } from "../../store/index.js";
import type { ViewerDeps, ViewerEnv, ViewerStore } from "../context.js";
import { messagePage } from "../layout.js";
import { parseTableQuery, toResultsQuery } from "../run-query.js";
import { runOr404 } from "./run.js";

/** Rows asked for per query (the store may cap it lower: the loop follows what it gets). */
export const EXPORT_PAGE_ROWS = 1000;

/** The matching rows, page after page, read only as the client takes them. */
export async function* matchingRows(store: Pick<ViewerStore, "queryResults">, runId: number, query: ResultsQuery): AsyncGenerator<ContactResultRow> {
  let offset = 0;
  for (;;) {
    const page = await store.queryResults(runId, { ...query, limit: EXPORT_PAGE_ROWS, offset });
    yield* page.rows;
    offset += page.rows.length;
    // A searched total may be a lower bound (the store stops counting): then only an empty page ends it.
    if (page.rows.length === 0 || (page.totalIsLowerBound !== true && offset >= page.total)) return;
  }
}

/** A byte stream pulled chunk by chunk; a client that goes away stops the reading of rows. */
function textStream(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

const TYPES = { csv: "text/csv; charset=utf-8", json: "application/json; charset=utf-8" } as const;

export function registerExport(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  for (const format of ["csv", "json"] as const) {
    app.get(`/runs/:id{[0-9]+}/export.${format}`, async (c) => {
      const found = await runOr404(c, deps);
      if (found instanceof Response) return found;
      const parsed = parseTableQuery(new URL(c.req.url).searchParams);
      if ("problem" in parsed) return c.html(messagePage("Bad filter", parsed.problem, deps.store.location), 400);
      let delimiter: CsvDelimiter;
      try {
        delimiter = parseDelimiter(c.req.query("delimiter"));
      } catch (err) {
        return c.html(messagePage("Bad delimiter", (err as Error).message.replace("--delimiter", "delimiter"), deps.store.location), 400);
      }
      const rows = matchingRows(deps.store, found.id, toResultsQuery(parsed.query, EXPORT_PAGE_ROWS, 0));
      // A byte order mark, as `reports export --output x.csv` writes one: Excel then reads accents right.
      const body = textStream(exportChunks(rows, { format, bom: format === "csv", delimiter }));
      return new Response(body, {
        status: 200,
        headers: {
          "content-type": TYPES[format],
          "content-disposition": `attachment; filename="run-${found.id}.${format}"`,
          "cache-control": "no-store",
        },
      });
    });
  }
}
