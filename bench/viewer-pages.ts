// The report viewer's pages over HTTP on a run of 1,000,000 report rows: what an admin waits for when opening a run,
// filtering, searching, sorting, paging deep, exporting a filtered table and opening a contact (median milliseconds).
import { performance } from "node:perf_hooks";
import { silentLogger } from "../src/logger.js";
import type { SqlStore } from "../src/store/index.js";
import { createViewerApp } from "../src/web/app.js";
import { startViewerServer } from "../src/web/server.js";
import { REPORT_APP } from "./report-store.js";
import { externalIdOf } from "./source/contacts.js";

/** Timed requests per page, after one untimed request; the median is reported. */
const REPEATS = 5;

export interface PageResult {
  label: string;
  path: string;
  status: number;
  kb: number;
  ms: number;
}

async function fetchPage(url: string): Promise<{ status: number; bytes: number }> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  return { status: response.status, bytes: body.byteLength };
}

/** The viewer served from this store on 127.0.0.1 (as `phonebook-sync serve` does), each page timed end to end. */
export async function timeViewerPages(store: SqlStore, runId: number, rows: number, probeRow: number): Promise<PageResult[]> {
  const server = await startViewerServer(createViewerApp({ store, auth: null, logger: silentLogger }), { host: "127.0.0.1", port: 0 });
  const deepPage = Math.max(1, Math.floor(rows / 50 / 2));
  const pages: Array<[string, string]> = [
    ["runs list", "/"],
    ["run page, first page", `/runs/${runId}`],
    [`run page, page ${deepPage} (the middle)`, `/runs/${runId}?page=${deepPage}`],
    ["filtered by outcome warning", `/runs/${runId}?outcome=warning`],
    ["sorted by name, descending", `/runs/${runId}?sort=name&dir=desc`],
    ['searched "Rossi"', `/runs/${runId}?q=Rossi`],
    ['searched "Rossi", filtered by 3 outcomes', `/runs/${runId}?q=Rossi&outcome=warning&outcome=error&outcome=deleted`],
    ["searched, no match", `/runs/${runId}?q=Zzyzx`],
    ["export CSV of outcome error", `/runs/${runId}/export.csv?outcome=error`],
    ["a contact's history", `/contacts/${REPORT_APP}/${encodeURIComponent(externalIdOf(probeRow))}`],
  ];
  try {
    const results: PageResult[] = [];
    for (const [label, path] of pages) {
      const first = await fetchPage(`${server.url}${path}`);
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const start = performance.now();
        await fetchPage(`${server.url}${path}`);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      results.push({ label, path, status: first.status, kb: first.bytes / 1024, ms: times[Math.floor(times.length / 2)] ?? Number.NaN });
    }
    return results;
  } finally {
    await server.close();
  }
}

export function viewerPagesTable(pages: readonly PageResult[], rows: number): string {
  const lines = [`| page (run of ${rows.toLocaleString("en-US")} rows, HTTP on 127.0.0.1) | status | KB | median ms |`, "|---|--:|--:|--:|"];
  for (const page of pages) lines.push(`| ${page.label} | ${page.status} | ${page.kb.toFixed(0)} | ${page.ms.toFixed(0)} |`);
  return lines.join("\n");
}
