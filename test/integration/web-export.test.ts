// The viewer's exports: exactly the rows the run's table matches (all pages of them, in its order), CSV that a
// spreadsheet cannot run, JSON that parses back.
import path from "node:path";
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, openStore, type ContactResultInput } from "../../src/store/index.js";
import { tempDir } from "../helpers/temp.js";
import { APP, EVIL, FORMULA, bigRows, get, seedViewerStore, serveViewer, zeroCounts, type Seeded } from "./web-seed.js";

let seeded: Seeded;
let base: string;

beforeAll(async () => {
  seeded = await seedViewerStore();
  base = (await serveViewer(seeded.file)).base;
});

/** The CSV at `path`: it starts with a UTF-8 byte order mark (fetch's text() would hide it), then parses cleanly. */
async function csvAt(path: string, delimiter = ","): Promise<Array<Record<string, string>>> {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const parsed = Papa.parse<Record<string, string>>(new TextDecoder().decode(bytes.slice(3)), { header: true, skipEmptyLines: true, delimiter });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe("the run's export", () => {
  it("exports every row of the run as CSV, past the first page, with a download name", async () => {
    const answer = await get(`${base}/runs/${seeded.big}/export.csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(answer.headers.get("content-disposition")).toBe(`attachment; filename="run-${seeded.big}.csv"`);
    const records = await csvAt(`/runs/${seeded.big}/export.csv`);
    expect(Object.keys(records[0] ?? {})).toEqual([...EXPORT_COLUMNS]);
    expect(records.map((record) => record["seq"])).toEqual(bigRows().map((_, i) => String(i + 1)));
  });

  it("exports only the filtered and searched rows, in the table's order", async () => {
    const warnings = await csvAt(`/runs/${seeded.big}/export.csv?outcome=warning&q=rossi+1&sort=name&dir=desc`);
    const expected = bigRows()
      .filter((row) => row.outcome === "warning" && (row.displayName ?? "").toLowerCase().includes("rossi 1"))
      .map((row) => row.displayName ?? "")
      .sort()
      .reverse();
    expect(expected.length).toBeGreaterThan(30);
    expect(warnings.map((record) => record["display_name"])).toEqual(expected);
    expect(new Set(warnings.map((record) => record["outcome"]))).toEqual(new Set(["warning"]));

    const several = await csvAt(`/runs/${seeded.big}/export.csv?outcome=error&outcome=deleted`);
    expect(several.map((record) => record["uc_external_id"])).toEqual(["gone-1", ...Array.from({ length: 10 }, (_, i) => `e-${i + 1}`)]);
  });

  it("neutralizes formulas and keeps hostile text as plain cells", async () => {
    const records = await csvAt(`/runs/${seeded.big}/export.csv?outcome=rejected&outcome=inserted`);
    expect(records).toHaveLength(2);
    const rejected = records.find((record) => record["outcome"] === "rejected");
    expect(rejected?.["info"]).toBe(`'${FORMULA.info}`);
    expect(rejected?.["display_name"]).toBe(`'${FORMULA.name}`);
    expect(rejected?.["uc_external_id"]).toBe("'+390299");
    expect(records.find((record) => record["outcome"] === "inserted")?.["display_name"]).toBe(EVIL.img);
    for (const record of records) for (const cell of Object.values(record)) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it("writes ';'-separated CSV for Excel when asked", async () => {
    const records = await csvAt(`/runs/${seeded.big}/export.csv?outcome=updated&delimiter=%3B`, ";");
    expect(records.map((record) => record["uc_external_id"])).toEqual(["x-script"]);
    const bad = await get(`${base}/runs/${seeded.big}/export.csv?delimiter=x`);
    expect(bad.status).toBe(400);
  });

  it("exports the same rows as JSON that parses back", async () => {
    const answer = await get(`${base}/runs/${seeded.big}/export.json?q=bianchi&sort=externalId`);
    expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const records = JSON.parse(answer.text) as Array<Record<string, unknown>>;
    expect(records.map((record) => record["uc_external_id"])).toEqual(["e-1", "e-10", ...Array.from({ length: 8 }, (_, i) => `e-${i + 2}`)]);
    expect(records.every((record) => record["uc_app_name"] === APP && record["run_id"] === seeded.big)).toBe(true);
    const empty = await get(`${base}/runs/${seeded.big}/export.json?q=nobody-at-all`);
    expect(JSON.parse(empty.text)).toEqual([]);
  });

  it("exports every match of a search past the store's count cap and past its largest page", async () => {
    const dir = await tempDir("pbsync-web-big-");
    const file = path.join(dir, "big.sqlite");
    const store = await openStore({ client: "sqlite", filename: file });
    const count = 10_050;
    let runId: number;
    try {
      runId = await store.createRun({ job: "big", appName: APP, trigger: "cli", pbx: "https://pbx.example" });
      const rows: ContactResultInput[] = Array.from({ length: count }, (_, i) => ({ ref: `line ${i + 2}`, appName: APP, externalId: `id-${i}`, displayName: `Rossi ${i}`, outcome: "warning" }));
      rows.push({ ref: "line 1", appName: APP, externalId: "other", displayName: "Verdi", outcome: "warning" });
      await store.recordResults(runId, rows);
      await store.finishRun(runId, { status: "success", counts: { ...zeroCounts(), read: count + 1, warnings: count + 1 } });
    } finally {
      await store.close();
    }
    const viewer = await serveViewer(file);
    const response = await fetch(`${viewer.base}/runs/${runId}/export.json?q=rossi`);
    const records = (await response.json()) as Array<{ seq: number }>;
    expect(records).toHaveLength(count);
    expect(records.map((record) => record.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // The page says the count is a floor, and still offers the next page.
    const page = await get(`${viewer.base}/runs/${runId}?q=rossi`);
    expect(page.text).toMatch(/rows 1–50 of more than 10\u202f000/);
    expect(page.text).toContain(`data-testid="page-next"`);
  });

  it("answers 404 for a run that is not there and 400 for a bad filter", async () => {
    expect((await get(`${base}/runs/9999/export.csv`)).status).toBe(404);
    expect((await get(`${base}/runs/${seeded.big}/export.json?outcome=bogus`)).status).toBe(400);
  });
});
