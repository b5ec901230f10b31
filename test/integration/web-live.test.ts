// The live view: a run's progress as server-sent events from a LiveRunBoard (fed by the test, then by a real daemon
// running a real job), its end, and nothing left behind (listener, timer) when a client goes away.
import http from "node:http";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { isSyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { Daemon } from "../../src/scheduler/daemon.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { openStore, type RunRow } from "../../src/store/index.js";
import { LiveRunBoard } from "../../src/web/live.js";
import { openLiveStreams } from "../../src/web/routes/events.js";
import { daemonSetup, until } from "../helpers/daemon.js";
import { seedViewerStore, serveViewer, zeroCounts, type Seeded } from "./web-seed.js";

interface ServerEvent {
  event: string;
  data: string;
}

/** An EventSource-like reader over a plain HTTP request (no agent, so no pooled socket or timer outlives it). */
function openEvents(url: string) {
  const events: ServerEvent[] = [];
  const waiters = new Set<() => void>();
  let request: http.ClientRequest | undefined;
  let status = 0;
  let contentType = "";
  const ended = new Promise<void>((resolve, reject) => {
    request = http.get(url, { agent: false }, (res) => {
      status = res.statusCode ?? 0;
      contentType = String(res.headers["content-type"]);
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let split: number;
        while ((split = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined) events.push({ event, data: data ?? "" });
        }
        for (const wake of [...waiters]) wake();
      });
      res.on("end", () => resolve());
      res.on("error", () => resolve());
    });
    request.on("error", reject);
  });
  ended.catch(() => undefined);
  return {
    events,
    ended,
    get status() {
      return status;
    },
    get contentType() {
      return contentType;
    },
    /** The first event (from index `from`) of that name. */
    next(name: string, from = 0, timeoutMs = 15_000): Promise<ServerEvent> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find((event) => event.event === name);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${name}" event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      request?.destroy();
    },
  };
}

function text(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedViewerStore();
});

describe("live progress from a LiveRunBoard", () => {
  it("streams the current progress, each update, then the end, and closes the stream", async () => {
    const board = new LiveRunBoard();
    const { base } = await serveViewer(seeded.file, { live: board });
    const feed = board.begin("crm", seeded.running);
    feed.update({ phase: "reading", read: 1024, pushed: 0, failed: 0, elapsedMs: 300 });

    const page = await text(`${base}/runs/${seeded.running}`);
    expect(page.body).toContain(`id="live-run" data-testid="live-run" data-events="/runs/${seeded.running}/events"`);
    expect(page.body).toContain('data-testid="live-read">1024</dd>');

    const stream = openEvents(`${base}/runs/${seeded.running}/events`);
    const first = await stream.next("progress");
    expect(stream.contentType).toBe("text/event-stream; charset=utf-8");
    expect(JSON.parse(first.data)).toMatchObject({ phase: "reading", read: 1024, job: "crm" });
    await until(() => (board.listenerCount === 1 ? true : undefined), 5_000, "the stream to listen");

    feed.update({ phase: "pushing", read: 2000, pushed: 500, failed: 3, elapsedMs: 900 });
    const second = await stream.next("progress", stream.events.indexOf(first) + 1);
    expect(JSON.parse(second.data)).toMatchObject({ phase: "pushing", read: 2000, pushed: 500, failed: 3 });

    feed.end({ status: "partial", counts: { ...zeroCounts(), read: 2000, inserted: 1997, errors: 3 } });
    const end = await stream.next("end");
    expect(JSON.parse(end.data)).toMatchObject({ status: "partial", counts: { inserted: 1997, errors: 3 } });
    await stream.ended;
    expect(board.listenerCount).toBe(0);
    expect(board.size).toBe(0);

    // Over here, but still "running" in the store: nothing live to follow any more.
    const after = openEvents(`${base}/runs/${seeded.running}/events`);
    await after.next("unavailable");
    await after.ended;
  });

  it("leaves no listener and no timer behind when the client goes away mid-run", async () => {
    const board = new LiveRunBoard();
    const { base } = await serveViewer(seeded.file, { live: board, keepAliveMs: 60_000 });
    const feed = board.begin("crm", seeded.running);
    // A first request, so that whatever the server keeps for good exists before counting.
    await text(`${base}/runs/${seeded.big}`);
    const before = timeouts();
    expect(openLiveStreams()).toBe(0);

    const stream = openEvents(`${base}/runs/${seeded.running}/events`);
    await stream.next("progress");
    await until(() => (board.listenerCount === 1 ? true : undefined), 5_000, "the stream to listen");
    expect(openLiveStreams()).toBe(1);
    // The stream's keep-alive timer shows among the process's timers: one left behind would show too.
    expect(timeouts()).toBeGreaterThan(before);

    stream.close();
    await until(() => (board.listenerCount === 0 ? true : undefined), 5_000, "the listener to go");
    expect(openLiveStreams()).toBe(0);
    await until(() => (timeouts() <= before ? true : undefined), 5_000, `the timers to go back to ${before}`);
    feed.end({ status: "success", counts: zeroCounts() });
  });

  it("ends at once for a finished run, and says there is no live feed when nothing runs it here", async () => {
    const { base } = await serveViewer(seeded.file);
    const finished = openEvents(`${base}/runs/${seeded.big}/events`);
    expect(JSON.parse((await finished.next("end")).data)).toMatchObject({ status: "partial", counts: { warnings: 120 } });
    await finished.ended;
    const running = openEvents(`${base}/runs/${seeded.running}/events`);
    await running.next("unavailable");
    await running.ended;
    expect(running.status).toBe(200);
  });
});

describe("the viewer in the daemon", () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it("serves the viewer beside /healthz and follows a real run live until it ends", async () => {
    const token = "web-live-token-73d1";
    emulator = await startEmulator({ port: 0, token });
    // The run's first batch hangs at the PBX until the test cancels it: a window that cannot close too early.
    emulator.faults.add({ service: "phonebook_import_sync", delayMs: 20_000, times: 50 });
    const setup = await daemonSetup({
      pbxUrl: emulator.url,
      token,
      jobs: [{ name: "crm", appName: "CRM", rows: 5, runOnStart: true }],
      defaults: { schedule: "0 0 1 1 *", catchUp: false, retryWindow: "off" },
      daemon: { http: { port: 0, viewer: true }, shutdownTimeoutMs: 1_000 },
    });
    const daemon = await Daemon.start(await loadConfig(setup.configFile), silentLogger);
    const store = await openStore(setup.store);
    try {
      const base = daemon.httpUrl ?? "";
      expect((await text(`${base}/healthz`)).status).toBe(200);
      const run = await until<RunRow>(async () => {
        const latest = await store.latestRun("crm");
        return latest?.status === "running" ? latest : undefined;
      }, 15_000, "the run to start");

      const page = await text(`${base}/runs/${run.id}`);
      expect(page.body).toContain('id="live-run"');
      const stream = openEvents(`${base}/runs/${run.id}/events`);
      expect(JSON.parse((await stream.next("progress")).data)).toMatchObject({ job: "crm" });

      daemon.cancelNow("the test cancels the run");
      const end = JSON.parse((await stream.next("end")).data) as { status: string };
      expect(end.status).not.toBe("running");
      await stream.ended;
      expect(daemon.live.listenerCount).toBe(0);
      expect((await store.getRun(run.id))?.status).toBe(end.status);
    } finally {
      await store.close();
      await daemon.shutdown("test over");
    }
  });

  it("refuses to start with the viewer on a non-loopback address and no login", async () => {
    const token = "web-live-token-91aa";
    emulator = await startEmulator({ port: 0, token });
    const setup = await daemonSetup({
      pbxUrl: emulator.url,
      token,
      jobs: [{ name: "crm", appName: "CRM" }],
      daemon: { http: { port: 0, host: "0.0.0.0", viewer: true } },
    });
    const saved = { hash: process.env["PBSYNC_VIEWER_PASSWORD_HASH"], token: process.env["PBSYNC_VIEWER_TOKEN"] };
    delete process.env["PBSYNC_VIEWER_PASSWORD_HASH"];
    delete process.env["PBSYNC_VIEWER_TOKEN"];
    try {
      const failure = await Daemon.start(await loadConfig(setup.configFile), silentLogger).then(
        async (daemon) => {
          await daemon.shutdown("should not have started");
          return undefined;
        },
        (err: unknown) => err,
      );
      expect(isSyncError(failure, "CONFIG_INVALID")).toBe(true);
      expect((failure as Error).message).toContain("would listen on 0.0.0.0 (daemon.http.host) without a login");
    } finally {
      if (saved.hash !== undefined) process.env["PBSYNC_VIEWER_PASSWORD_HASH"] = saved.hash;
      if (saved.token !== undefined) process.env["PBSYNC_VIEWER_TOKEN"] = saved.token;
    }
  });
});
