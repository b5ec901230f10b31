// The health and Prometheus metrics of a running `phonebook-sync daemon`, read over HTTP as a probe and a scraper would.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { daemonSetup, logOf, startDaemon } from "../helpers/daemon.js";
import { parsePrometheus, sampleValue, type Sample } from "../helpers/prometheus.js";

const TOKEN = "daemon-metrics-token-8e20";

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function scrape(base: string): Promise<Map<string, Sample[]>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return parsePrometheus(await response.text());
}

describe("phonebook-sync daemon over HTTP", () => {
  it("answers /healthz and /metrics: runs counted as they happen, the next run ahead, and a run without the PBX failed", async () => {
    emulator = await startEmulator({ port: 0, token: TOKEN });
    const setup = await daemonSetup({
      pbxUrl: emulator.url,
      token: TOKEN,
      jobs: [{ name: "crm", appName: "CRM" }],
      defaults: { catchUp: false, retryWindow: "off", retry: { attempts: 1, minDelayMs: 10, maxDelayMs: 20 } },
    });
    const daemon = startDaemon(setup.configFile);
    const base = await daemon.httpUrl();
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(report.status).toBe("ok");
    expect(report.checks["store"]?.ok).toBe(true);
    expect(report.checks["scheduler"]?.ok).toBe(true);

    const successes = { job: "crm", status: "success", trigger: "schedule" };
    await daemon.waitForLog(logOf("run finished", { job: "crm", status: "success" }), 20_000);
    const first = await scrape(base);
    const before = sampleValue(first, "phonebook_sync_runs_total", successes) ?? 0;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(sampleValue(first, "phonebook_sync_up")).toBe(1);
    expect(sampleValue(first, "phonebook_sync_next_run_timestamp_seconds", { job: "crm" })).toBeGreaterThan(Date.now() / 1000 - 0.5);
    expect(sampleValue(first, "phonebook_sync_last_success_timestamp_seconds", { job: "crm" })).toBeGreaterThan(Date.now() / 1000 - 30);

    const mark = daemon.mark();
    await daemon.waitForLog(logOf("run finished", { job: "crm", status: "success" }), 10_000, { from: mark });
    const second = await scrape(base);
    expect(sampleValue(second, "phonebook_sync_runs_total", successes)).toBeGreaterThan(before);
    expect(sampleValue(second, "phonebook_sync_runs_total", { job: "crm", status: "failed", trigger: "schedule" }) ?? 0).toBe(0);

    // Nothing changed in the source, but the PBX is gone: the run fails rather than report a success it cannot know.
    await emulator.close();
    const outage = daemon.mark();
    const failedLine = await daemon.waitForLog(logOf("run finished", { job: "crm", status: "failed" }), 10_000, { from: outage });
    const failedRun = (await setup.runs("crm")).find((run) => run.id === failedLine["runId"]);
    expect(failedRun?.status).toBe("failed");
    expect(failedRun?.error).toContain("PBX_CONNECTION_REFUSED");
    expect(failedRun?.counts.inserted).toBe(0);
    const third = await scrape(base);
    expect(sampleValue(third, "phonebook_sync_runs_total", { job: "crm", status: "failed", trigger: "schedule" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(third, "phonebook_sync_last_run_status", { job: "crm", status: "failed" })).toBe(1);
    expect(sampleValue(third, "phonebook_sync_next_run_timestamp_seconds", { job: "crm" })).toBeGreaterThan(Date.now() / 1000 - 0.5);

    expect(await daemon.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});
