// The daemon's metrics and HTTP server over real loopback HTTP: /metrics parsed as a scraper would, /healthz, close.
import { emptyCounts } from "../../src/sync/counts.js";
import http from "node:http";
import net from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { createLogger, silentLogger } from "../../src/logger.js";
import { startDaemonHttp, type DaemonHttp, type HealthReport } from "../../src/scheduler/http-server.js";
import { DaemonMetrics, type ObservedRun } from "../../src/scheduler/metrics.js";
import type { RunCounts } from "../../src/store/types.js";
import { parsePrometheus, sampleValue } from "../helpers/prometheus.js";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const started: DaemonHttp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

const healthy = async (): Promise<HealthReport> => ({ ok: true, checks: { store: { ok: true }, scheduler: { ok: true } } });

async function serve(
  metrics = new DaemonMetrics(),
  extra: { health?: () => Promise<HealthReport>; healthTimeoutMs?: number; logger?: ReturnType<typeof createLogger>; port?: number } = {},
) {
  const server = await startDaemonHttp({
    port: extra.port ?? 0,
    host: "127.0.0.1",
    metrics,
    health: extra.health ?? healthy,
    logger: extra.logger ?? silentLogger,
    ...(extra.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: extra.healthTimeoutMs }),
  });
  started.push(server);
  return { server, metrics };
}

/** One request on its own connection (no agent), so no client socket outlives the test. */
function hit(base: string, path: string, method = "GET", body?: string, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function scrape(base: string) {
  const answer = await hit(base, "/metrics");
  expect(answer.status).toBe(200);
  return parsePrometheus(answer.body);
}

function counts(partial: Partial<RunCounts>): RunCounts {
  return { ...emptyCounts(), ...partial };
}

function run(partial: Partial<ObservedRun> & { job: string }): ObservedRun {
  return {
    trigger: "schedule",
    status: "success",
    counts: counts({}),
    durationMs: 1000,
    endedAt: new Date("2025-03-01T02:00:00Z"),
    ...partial,
  };
}

function logSink() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: "debug" }) };
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}

/** Listening sockets of this process, counted once libuv has run the close callbacks of the ones just closed. */
async function tcpServerHandles(): Promise<number> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((name) => name === "TCPServerWrap").length;
}

describe("parsePrometheus", () => {
  it("reads labels with escapes, histograms and special values", () => {
    const parsed = parsePrometheus(
      [
        "# HELP x_total A counter.",
        "# TYPE x_total counter",
        'x_total{job="a \\"quoted\\" \\\\ job\\n",status="ok"} 3',
        "# TYPE h histogram",
        'h_bucket{le="1"} 0',
        'h_bucket{le="+Inf"} 2',
        "h_sum 2.5e0",
        "h_count 2",
        "# TYPE g gauge",
        "g NaN",
        "",
      ].join("\n"),
    );
    expect(parsed.get("x_total")).toEqual([{ labels: { job: 'a "quoted" \\ job\n', status: "ok" }, value: 3 }]);
    expect(sampleValue(parsed, "h_bucket", { le: "+Inf" })).toBe(2);
    expect(sampleValue(parsed, "h_sum")).toBe(2.5);
    expect(sampleValue(parsed, "g")).toBeNaN();
    expect(sampleValue(parsePrometheus("# TYPE g gauge\ng Nan\n"), "g")).toBeNaN();
  });

  it("throws on a sample without a TYPE line, a malformed line, a bad value or a repeated series", () => {
    expect(() => parsePrometheus("x_total 1\n")).toThrow(/no # TYPE line/);
    expect(() => parsePrometheus('# TYPE x gauge\nx{job="a"\n')).toThrow(/line 2/);
    expect(() => parsePrometheus("# TYPE x gauge\nx one\n")).toThrow(/bad value/);
    expect(() => parsePrometheus("# TYPE x gauge\nx  1\n")).toThrow(/bad value|expected/);
    expect(() => parsePrometheus('# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n')).toThrow(/repeated/);
    expect(() => parsePrometheus("# TYPE h histogram\nh_bucket 1\n")).toThrow(/le label/);
    expect(() => parsePrometheus("# TYPE x gauge\n# TYPE x gauge\n")).toThrow(/second # TYPE/);
  });
});

describe("GET /metrics", () => {
  it("serves Prometheus text with prom-client's content type, process metrics and phonebook_sync_up", async () => {
    const { server, metrics } = await serve();
    const answer = await hit(server.url, "/metrics");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe(metrics.contentType);
    expect(answer.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = parsePrometheus(answer.body);
    expect(sampleValue(parsed, "process_cpu_user_seconds_total")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(parsed, "phonebook_sync_up")).toBe(0);
    metrics.setUp(true);
    expect(sampleValue(await scrape(server.url), "phonebook_sync_up")).toBe(1);
    metrics.setUp(false);
    expect(sampleValue(await scrape(server.url), "phonebook_sync_up")).toBe(0);
  });

  it("moves the run counters, the contact counters and the duration histogram when a run is observed", async () => {
    const { server, metrics } = await serve();
    const before = await scrape(server.url);
    expect(sampleValue(before, "phonebook_sync_runs_total", { job: "a", status: "failed" }) ?? 0).toBe(0);

    metrics.observeRun(
      run({
        job: "a",
        status: "failed",
        trigger: "retry",
        counts: counts({ read: 10, inserted: 3, rejected: 2, warnings: 1 }),
        durationMs: 12_500,
      }),
    );
    const after = await scrape(server.url);
    expect(sampleValue(after, "phonebook_sync_runs_total", { job: "a", status: "failed", trigger: "retry" })).toBe(1);
    expect(sampleValue(after, "phonebook_sync_runs_total", { job: "a", status: "success" })).toBeUndefined();
    expect(sampleValue(after, "phonebook_sync_records_read_total", { job: "a" })).toBe(10);
    expect(sampleValue(after, "phonebook_sync_contacts_total", { job: "a", outcome: "inserted" })).toBe(3);
    expect(sampleValue(after, "phonebook_sync_contacts_total", { job: "a", outcome: "rejected" })).toBe(2);
    expect(sampleValue(after, "phonebook_sync_contacts_total", { job: "a", outcome: "warnings" })).toBe(1);
    expect(sampleValue(after, "phonebook_sync_contacts_total", { job: "a", outcome: "deleted" })).toBe(0);
    expect(sampleValue(after, "phonebook_sync_contacts_total", { job: "a", outcome: "read" })).toBeUndefined();
    const outcomes = (after.get("phonebook_sync_contacts_total") ?? []).map((sample) => sample.labels["outcome"]).sort();
    expect(outcomes).toEqual(["deleted", "duplicates", "errors", "inserted", "invalid", "kept", "rejected", "skipped", "unchanged", "unconfirmed", "updated", "warnings"]);
    expect(sampleValue(after, "phonebook_sync_run_duration_seconds_count", { job: "a" })).toBe(1);
    expect(sampleValue(after, "phonebook_sync_run_duration_seconds_sum", { job: "a" })).toBe(12.5);
    expect(sampleValue(after, "phonebook_sync_run_duration_seconds_bucket", { job: "a", le: "5" })).toBe(0);
    expect(sampleValue(after, "phonebook_sync_run_duration_seconds_bucket", { job: "a", le: "15" })).toBe(1);
    expect(sampleValue(after, "phonebook_sync_run_duration_seconds_bucket", { job: "a", le: "7200" })).toBe(1);

    metrics.observeRun(run({ job: "a", counts: counts({ read: 5, inserted: 4 }), durationMs: 3_000 }));
    const twice = await scrape(server.url);
    expect(sampleValue(twice, "phonebook_sync_runs_total", { job: "a", status: "failed" })).toBe(1);
    expect(sampleValue(twice, "phonebook_sync_runs_total", { job: "a", status: "success", trigger: "schedule" })).toBe(1);
    expect(sampleValue(twice, "phonebook_sync_contacts_total", { job: "a", outcome: "inserted" })).toBe(7);
    expect(sampleValue(twice, "phonebook_sync_records_read_total", { job: "a" })).toBe(15);
    expect(sampleValue(twice, "phonebook_sync_run_duration_seconds_count", { job: "a" })).toBe(2);
  });

  it("sets the last-run gauges: timestamp whatever the status, status 1 for the current one, last success only on success", async () => {
    const { server, metrics } = await serve();
    const success = new Date("2025-03-01T02:00:00Z");
    const failure = new Date("2025-03-02T02:00:00Z");
    metrics.observeRun(run({ job: "a", status: "success", endedAt: success }));
    metrics.observeRun(run({ job: "a", status: "failed", endedAt: failure }));
    const parsed = await scrape(server.url);
    expect(sampleValue(parsed, "phonebook_sync_last_run_timestamp_seconds", { job: "a" })).toBe(failure.getTime() / 1000);
    expect(sampleValue(parsed, "phonebook_sync_last_success_timestamp_seconds", { job: "a" })).toBe(success.getTime() / 1000);
    expect(sampleValue(parsed, "phonebook_sync_last_run_status", { job: "a", status: "failed" })).toBe(1);
    for (const status of ["success", "partial", "aborted"]) {
      expect(sampleValue(parsed, "phonebook_sync_last_run_status", { job: "a", status })).toBe(0);
    }
  });

  it("sets the next-run timestamp and removes it when the job has no next run", async () => {
    const { server, metrics } = await serve();
    const next = new Date("2025-03-03T02:00:00Z");
    metrics.setNextRun("a", next);
    metrics.setNextRun("b", new Date("2025-03-03T03:00:00Z"));
    expect(sampleValue(await scrape(server.url), "phonebook_sync_next_run_timestamp_seconds", { job: "a" })).toBe(next.getTime() / 1000);
    metrics.setNextRun("a", null);
    const parsed = await scrape(server.url);
    expect(sampleValue(parsed, "phonebook_sync_next_run_timestamp_seconds", { job: "a" })).toBeUndefined();
    expect(sampleValue(parsed, "phonebook_sync_next_run_timestamp_seconds", { job: "b" })).toBeDefined();
  });

  it("seeds the gauges from the store's last run without touching the counters", async () => {
    const { server, metrics } = await serve();
    const endedAt = new Date("2025-03-02T02:05:00Z");
    const lastSuccessAt = new Date("2025-02-27T02:03:00Z");
    metrics.restoreLastRun("a", { status: "partial", endedAt, lastSuccessAt });
    metrics.restoreLastRun("b", { status: "aborted", endedAt, lastSuccessAt: null });
    const parsed = await scrape(server.url);
    expect(sampleValue(parsed, "phonebook_sync_last_run_timestamp_seconds", { job: "a" })).toBe(endedAt.getTime() / 1000);
    expect(sampleValue(parsed, "phonebook_sync_last_success_timestamp_seconds", { job: "a" })).toBe(lastSuccessAt.getTime() / 1000);
    expect(sampleValue(parsed, "phonebook_sync_last_run_status", { job: "a", status: "partial" })).toBe(1);
    expect(sampleValue(parsed, "phonebook_sync_last_run_status", { job: "a", status: "success" })).toBe(0);
    expect(sampleValue(parsed, "phonebook_sync_last_success_timestamp_seconds", { job: "b" })).toBeUndefined();
    expect(sampleValue(parsed, "phonebook_sync_last_run_status", { job: "b", status: "aborted" })).toBe(1);
    expect(parsed.get("phonebook_sync_runs_total")).toBeUndefined();
    expect(parsed.get("phonebook_sync_contacts_total")).toBeUndefined();
    expect(parsed.get("phonebook_sync_run_duration_seconds_count")).toBeUndefined();
  });

  it("counts skipped runs by reason and failed notifications by channel", async () => {
    const { server, metrics } = await serve();
    const before = await scrape(server.url);
    expect(sampleValue(before, "phonebook_sync_notifications_failed_total", { channel: "webhook" })).toBe(0);
    expect(sampleValue(before, "phonebook_sync_notifications_failed_total", { channel: "email" })).toBe(0);
    metrics.runSkipped("a", "overlap");
    metrics.runSkipped("a", "overlap");
    metrics.runSkipped("a", "claimed-elsewhere");
    metrics.notificationFailed("webhook");
    const parsed = await scrape(server.url);
    expect(sampleValue(parsed, "phonebook_sync_runs_skipped_total", { job: "a", reason: "overlap" })).toBe(2);
    expect(sampleValue(parsed, "phonebook_sync_runs_skipped_total", { job: "a", reason: "claimed-elsewhere" })).toBe(1);
    expect(sampleValue(parsed, "phonebook_sync_runs_skipped_total", { job: "a", reason: "locked" })).toBeUndefined();
    expect(sampleValue(parsed, "phonebook_sync_notifications_failed_total", { channel: "webhook" })).toBe(1);
    expect(sampleValue(parsed, "phonebook_sync_notifications_failed_total", { channel: "email" })).toBe(0);
  });

  it("removes a forgotten job's gauges and keeps its counters", async () => {
    const { server, metrics } = await serve();
    metrics.observeRun(run({ job: "gone", status: "success" }));
    metrics.setNextRun("gone", new Date("2025-03-03T02:00:00Z"));
    metrics.observeRun(run({ job: "kept", status: "success" }));
    metrics.forgetJob("gone");
    const parsed = await scrape(server.url);
    for (const name of [
      "phonebook_sync_last_run_timestamp_seconds",
      "phonebook_sync_last_success_timestamp_seconds",
      "phonebook_sync_next_run_timestamp_seconds",
      "phonebook_sync_last_run_status",
    ]) {
      expect((parsed.get(name) ?? []).filter((sample) => sample.labels["job"] === "gone"), name).toEqual([]);
    }
    expect(sampleValue(parsed, "phonebook_sync_last_run_timestamp_seconds", { job: "kept" })).toBeDefined();
    expect(sampleValue(parsed, "phonebook_sync_runs_total", { job: "gone", status: "success" })).toBe(1);
  });

  it("keeps two DaemonMetrics instances' series apart", async () => {
    const first = await serve(new DaemonMetrics());
    const second = await serve(new DaemonMetrics());
    first.metrics.observeRun(run({ job: "a", status: "failed" }));
    first.metrics.setUp(true);
    second.metrics.runSkipped("b", "locked");
    const one = await scrape(first.server.url);
    const two = await scrape(second.server.url);
    expect(sampleValue(one, "phonebook_sync_runs_total", { job: "a", status: "failed" })).toBe(1);
    expect(sampleValue(two, "phonebook_sync_runs_total", { job: "a", status: "failed" })).toBeUndefined();
    expect(sampleValue(one, "phonebook_sync_up")).toBe(1);
    expect(sampleValue(two, "phonebook_sync_up")).toBe(0);
    expect(sampleValue(one, "phonebook_sync_runs_skipped_total", { job: "b", reason: "locked" })).toBeUndefined();
    expect(sampleValue(two, "phonebook_sync_runs_skipped_total", { job: "b", reason: "locked" })).toBe(1);
  });
});

describe("GET /healthz", () => {
  it("answers 200 with status ok and the checks when healthy", async () => {
    const { server } = await serve();
    const answer = await hit(server.url, "/healthz");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({ status: "ok", checks: { store: { ok: true }, scheduler: { ok: true } } });
  });

  it("answers 503 with status unhealthy when a check fails", async () => {
    const checks = { store: { ok: false, detail: "database is locked" }, scheduler: { ok: true } };
    const { server } = await serve(undefined, { health: async () => ({ ok: false, checks }) });
    const answer = await hit(server.url, "/healthz");
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: "unhealthy", checks });
  });

  it("answers 503 with the error message when the health function throws", async () => {
    const { server } = await serve(undefined, {
      health: async () => {
        throw new Error("store unreachable: ECONNREFUSED");
      },
    });
    const answer = await hit(server.url, "/healthz");
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({
      status: "unhealthy",
      checks: { health: { ok: false, detail: "store unreachable: ECONNREFUSED" } },
    });
  });

  it("answers 503 when the health function does not answer within healthTimeoutMs", async () => {
    const { server } = await serve(undefined, { health: () => new Promise<HealthReport>(() => undefined), healthTimeoutMs: 200 });
    const startedAt = Date.now();
    const answer = await hit(server.url, "/healthz");
    const elapsed = Date.now() - startedAt;
    expect(answer.status).toBe(503);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(3000);
    const body = JSON.parse(answer.body) as { status: string; checks: { health: { ok: boolean; detail: string } } };
    expect(body.status).toBe("unhealthy");
    expect(body.checks.health.ok).toBe(false);
    expect(body.checks.health.detail).toMatch(/longer than 200 ms/);
  });
});

describe("the daemon HTTP server", () => {
  it("answers HEAD on both routes with GET's status and headers and no body", async () => {
    const { server, metrics } = await serve(undefined, { health: async () => ({ ok: false, checks: { store: { ok: false } } }) });
    const metricsHead = await hit(server.url, "/metrics", "HEAD");
    expect(metricsHead.status).toBe(200);
    expect(metricsHead.headers["content-type"]).toBe(metrics.contentType);
    expect(Number(metricsHead.headers["content-length"])).toBeGreaterThan(0);
    expect(metricsHead.body).toBe("");
    const healthHead = await hit(server.url, "/healthz", "HEAD");
    expect(healthHead.status).toBe(503);
    expect(healthHead.headers["content-type"]).toMatch(/^application\/json/);
    expect(healthHead.body).toBe("");
  });

  it("answers 404 in plain text for other paths, and 405 with Allow for other methods, without logging bodies", async () => {
    const { lines, logger } = logSink();
    const { server } = await serve(undefined, { logger });
    for (const path of ["/", "/metricsx", "/healthz/extra", "/favicon.ico"]) {
      const answer = await hit(server.url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers["content-type"]).toMatch(/^text\/plain/);
    }
    const query = await hit(server.url, "/metrics?name[]=phonebook_sync_up");
    expect(query.status).toBe(200);
    for (const method of ["POST", "PUT", "DELETE"]) {
      const answer = await hit(server.url, "/metrics", method, "password=body-secret-91c2");
      expect(answer.status, method).toBe(405);
      expect(answer.headers["allow"]).toBe("GET, HEAD");
    }
    expect((await hit(server.url, "/healthz", "POST", "{}")).status).toBe(405);
    expect(lines.join("\n")).not.toContain("body-secret-91c2");
  });

  it("logs one info line with its url when listening", async () => {
    const { lines, logger } = logSink();
    const { server } = await serve(undefined, { logger });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const listening = lines.map((line) => JSON.parse(line) as { level: number; msg: string; url?: string });
    expect(listening).toEqual([expect.objectContaining({ level: 30, msg: "daemon http listening", url: server.url })]);
  });

  it("refuses a port in use with a CONFIG_INVALID error naming the port and host", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const handlesBefore = await tcpServerHandles();
    try {
      const error = await serve(undefined, { port }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(SyncError);
      expect((error as SyncError).code).toBe("CONFIG_INVALID");
      expect((error as SyncError).message).toBe(`daemon.http.port ${port} on 127.0.0.1 is in use`);
      expect((error as SyncError).cause).toBeUndefined();
      expect(await tcpServerHandles()).toBe(handlesBefore);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it("ends idle keep-alive and in-flight connections on close, leaves no server handle or timer, refuses new connections", async () => {
    const handlesBefore = await tcpServerHandles();
    const timersBefore = timers();
    let healthCalled!: () => void;
    const healthWasCalled = new Promise<void>((resolve) => (healthCalled = resolve));
    const server = await startDaemonHttp({
      port: 0,
      host: "127.0.0.1",
      metrics: new DaemonMetrics(),
      health: () => {
        healthCalled();
        return new Promise<HealthReport>(() => undefined);
      },
      healthTimeoutMs: 10_000,
      logger: silentLogger,
    });
    expect(await tcpServerHandles()).toBe(handlesBefore + 1);

    const agent = new http.Agent({ keepAlive: true });
    try {
      expect((await hit(server.url, "/metrics", "GET", undefined, agent)).status).toBe(200);
      const idle = Object.values(agent.freeSockets).flat();
      expect(idle).toHaveLength(1);
      const idleClosed = new Promise<void>((resolve) => idle[0]?.once("close", () => resolve()));
      // A probe still waiting for its answer: server.close() alone would wait for it (here 10 s).
      const inFlight = hit(server.url, "/healthz").then(
        () => "answered",
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      await healthWasCalled;

      const closingAt = Date.now();
      await server.close();
      expect(Date.now() - closingAt).toBeLessThan(1000);
      expect(await inFlight).toBe("ECONNRESET");
      await idleClosed;
      await server.close(); // a second close is harmless
    } finally {
      agent.destroy();
    }
    expect(await tcpServerHandles()).toBe(handlesBefore);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
    });
    expect(refused).toBe("ECONNREFUSED");
  });
});
