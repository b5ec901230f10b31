// The report viewer in a real browser (Debian's Chromium driven by playwright-core): the demo's runs served by
// `phonebook-sync serve` as a real process, read as an admin reads them, with hostile names in the source.
import type { ChildProcess } from "node:child_process";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Papa from "papaparse";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROOT, runCli, startCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

/** Screenshots of every step, for a look after a failure (git-ignored). */
const ARTIFACTS = path.join(ROOT, "test-artifacts", "viewer");
/**
 * The README's picture of a run page, made here so it shows the viewer as it is: rewritten when asked
 * (PBSYNC_UPDATE_DOCS_IMAGES=1 npx vitest run test/e2e/viewer-browser.test.ts), else left alone so that a test
 * run leaves the working tree clean (the pixels differ a little from run to run).
 */
const README_SHOT = path.join(ROOT, "docs", "images", "viewer-run.png");
const UPDATE_README_SHOT = process.env["PBSYNC_UPDATE_DOCS_IMAGES"] === "1";

const EVIL_IMG = "<img src=x onerror=alert(1)>";
const EVIL_SCRIPT = "<script>alert(1)</script>";

let browser: Browser;
let server: ChildProcess;
let base: string;
const dialogs: string[] = [];

function chromiumPath(): string {
  const found = inject("chromium");
  if ("unavailable" in found) throw new Error(found.unavailable);
  return found.path;
}

/** Replaces one CSV field of the row with this id (the example's fields hold no commas where edited). */
function editField(lines: string[], id: string, field: number, value: string): void {
  const index = lines.findIndex((line) => line.startsWith(`${id},`));
  const cells = (lines[index] ?? "").split(",");
  cells[field] = value;
  lines[index] = cells.join(",");
}

beforeAll(async () => {
  const dir = await tempDir("pbsync-viewer-");
  for (const part of ["examples/contacts.csv", "examples/demo.yaml", "mappings/default.yaml"]) {
    await cp(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  }
  const config = path.join(dir, "examples", "demo.yaml");
  const csv = path.join(dir, "examples", "contacts.csv");
  expect((await runCli(["sync", "--config", config, "--plain"])).code).toBe(3);
  // The next run: one company renamed, two names a careless page would run, one customer gone.
  const lines = (await readFile(csv, "utf8")).split("\n");
  editField(lines, "1001", 3, "Treuhand Meier AG");
  editField(lines, "1003", 1, EVIL_IMG);
  editField(lines, "1005", 1, EVIL_SCRIPT);
  await writeFile(csv, lines.filter((line) => !line.startsWith("1004,")).join("\n"));
  expect((await runCli(["sync", "--config", config, "--plain"])).code).toBe(3);

  const started = await startCli(["serve", "--config", config, "--port", "0"], /Report viewer on (http:\/\/\S+)/, { env: { VOISPEED_TOKEN: "" } });
  server = started.child;
  base = started.match[1] ?? "";
  await mkdir(ARTIFACTS, { recursive: true });
  await mkdir(path.dirname(README_SHOT), { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-security-policy"]).toMatch(/default-src 'none'.*script-src 'self'/);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe("the report viewer in a browser", () => {
  it("lists the demo's runs, opens the latest, filters, searches and shows a deleted contact by name", async () => {
    const page = await open(`${base}/`);
    await expect.poll(() => page.getByTestId("job-section").count()).toBe(1);
    await expect.poll(() => page.getByTestId("run-row").count()).toBe(2);
    await shot(page, "01-runs");

    await page.getByTestId("run-link").first().click();
    await page.waitForURL(/\/runs\/2$/);
    expect(await page.getByTestId("run-counts").textContent()).toMatch(/deleted/);
    if (UPDATE_README_SHOT) await page.screenshot({ path: README_SHOT });
    await shot(page, "02-run");

    // Filter by outcome: only the deletion, named.
    await page.getByTestId("outcome-deleted").check();
    await page.getByTestId("apply-filters").click();
    await page.waitForURL(/outcome=deleted/);
    const deleted = page.getByTestId("result-row");
    await expect.poll(() => deleted.count()).toBe(1);
    expect(await deleted.first().textContent()).toContain("Antonio Bruno");
    await shot(page, "03-deleted");

    // Search a name, across outcomes.
    await page.goto(`${base}/runs/2`);
    await page.getByTestId("search-input").fill("Meier");
    await page.getByTestId("apply-filters").click();
    await page.waitForURL(/q=Meier/);
    const found = page.getByTestId("result-row");
    await expect.poll(() => found.count()).toBe(1);
    expect(await found.first().textContent()).toContain("Treuhand Meier AG");
    expect(await page.getByTestId("changed-fields").first().textContent()).toMatch(/Treuhand Meier GmbH/);
    await shot(page, "04-search");

    // The contact's history: inserted in run 1, updated in run 2.
    await found.first().getByTestId("contact-link").click();
    await page.waitForURL(/\/contacts\/DEMO\/1001$/);
    await expect.poll(() => page.getByTestId("history-row").count()).toBe(2);
    await shot(page, "05-contact");
    await page.close();
  });

  it("filters by warning and exports exactly the filtered table as CSV", async () => {
    const page = await open(`${base}/runs/1?outcome=warning`);
    const rows = page.getByTestId("result-row");
    const shown = await rows.count();
    expect(shown).toBeGreaterThan(0);
    for (const outcome of await rows.evaluateAll((cells) => cells.map((cell) => cell.getAttribute("data-outcome")))) expect(outcome).toBe("warning");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    const text = await readFile(await download.path(), "utf8");
    expect(text).toMatch(/^\uFEFF?run_id,seq,ref,/);
    const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((record) => record["outcome"])).toEqual(new Array<string>(shown).fill("warning"));
    await shot(page, "06-warnings");
    await page.close();
  });

  it("shows hostile names as text: no markup runs, no dialog opens", async () => {
    const page = await open(`${base}/runs/2?q=alert`);
    const rows = page.getByTestId("result-row");
    await expect.poll(() => rows.count()).toBe(2);
    // The mapping capitalizes names ("<img Src=x Onerror=..."): compared without case, shown as typed.
    const text = (await rows.allTextContents()).join("\n").toLowerCase();
    expect(text).toContain(EVIL_IMG);
    expect(text).toContain(EVIL_SCRIPT);
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator("main script").count()).toBe(0);
    await rows.first().getByTestId("contact-link").click();
    await page.waitForLoadState("load");
    expect(await page.getByTestId("contact-title").textContent()).toMatch(/alert\(1\)/);
    await shot(page, "07-hostile");
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("draws the job's trend with the locally served chart library", async () => {
    const page = await open(`${base}/jobs/demo`);
    await expect.poll(() => page.locator("#chart-outcomes[data-drawn='true']").count()).toBe(1);
    await expect.poll(() => page.locator("#chart-duration[data-drawn='true']").count()).toBe(1);
    expect(await page.locator("#chart-outcomes canvas").count()).toBeGreaterThan(0);
    await shot(page, "08-trend");
    await page.close();
  });
});
