// `/runs/<id>/events`: a running run's progress as server-sent events, until its end. The stream only ever holds the
// latest progress (a slow client skips snapshots, never queues them), and leaves no listener or timer behind.
import type { Hono } from "hono";
import type { RunRow } from "../../store/index.js";
import type { ViewerDeps, ViewerEnv } from "../context.js";
import type { LiveEnd, LiveEvent, LiveRuns } from "../live.js";
import { runOr404 } from "./run.js";

/** How long a browser waits before it reconnects a dropped stream. */
const RETRY_MS = 5_000;

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** One event and the end of the stream: for a run that is over, or not live in this process. */
function single(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(`retry: ${RETRY_MS}\n\n${text}`);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Live streams open now, in this process: each holds a listener and a keep-alive timer until it is cleaned up. */
let openStreams = 0;

export function openLiveStreams(): number {
  return openStreams;
}

/** The live stream of a run: the latest progress, keep-alive comments, then the end. */
function liveStream(run: RunRow, live: LiveRuns, keepAliveMs: number): ReadableStream<Uint8Array> | undefined {
  const encoder = new TextEncoder();
  let progress: LiveEvent | null = { type: "progress", progress: live.progress(run) ?? { job: run.job, runId: run.id, phase: "reading", read: 0, pushed: 0, failed: 0, elapsedMs: 0 } };
  let end: LiveEnd | null = null;
  let ping = false;
  let wake: (() => void) | null = null;
  const nudge = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const stop = live.watch(run, (event) => {
    if (event.type === "end") end = event.end;
    else progress = event;
    nudge();
  });
  if (!stop) return undefined;
  openStreams++;
  const timer = setInterval(() => {
    ping = true;
    nudge();
  }, keepAliveMs);
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    openStreams--;
    stop();
    clearInterval(timer);
    nudge();
  };
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (!cleaned && progress === null && end === null && !ping) await new Promise<void>((resolve) => (wake = resolve));
        if (cleaned && end === null) return;
        let text = first ? `retry: ${RETRY_MS}\n\n` : "";
        first = false;
        if (progress?.type === "progress") text += frame("progress", progress.progress);
        progress = null;
        if (ping && end === null) text += ": keep-alive\n\n";
        ping = false;
        if (end !== null) {
          text += frame("end", end);
          cleanup();
          controller.enqueue(encoder.encode(text));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(text));
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 0 },
  );
}

const HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" };

export function registerEvents(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  app.get("/runs/:id{[0-9]+}/events", async (c) => {
    const found = await runOr404(c, deps);
    if (found instanceof Response) return found;
    if (found.status !== "running") return new Response(single(frame("end", { status: found.status, counts: found.counts })), { headers: HEADERS });
    // HEAD gets the headers only: a stream nobody reads would never let go of its listener.
    if (c.req.method === "HEAD") return new Response(null, { headers: HEADERS });
    const stream = deps.live ? liveStream(found, deps.live, deps.keepAliveMs) : undefined;
    if (!stream) return new Response(single(frame("unavailable", { reason: "this process does not run this run: no live progress here" })), { headers: HEADERS });
    // The client's going away cancels the body as well; this covers a request aborted before the body is read.
    const gone = c.req.raw.signal;
    const cancel = () => void stream.cancel().catch(() => undefined);
    if (gone.aborted) cancel();
    else gone.addEventListener("abort", cancel, { once: true });
    return new Response(stream, { headers: HEADERS });
  });
}
