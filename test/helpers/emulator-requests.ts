// Waits on the in-process PBX emulator's HTTP traffic as it happens, through Node's HTTP server diagnostics channels.
import diagnostics from "node:diagnostics_channel";
import type http from "node:http";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { withDeadline } from "./wait.js";

/** What Node publishes on http.server.request.start and http.server.response.finish. */
interface ServerMessage {
  request: http.IncomingMessage;
}

export interface EmulatorWait {
  /** "received": the emulator has the request (it took its fault, if one is queued); "answered": its answer is sent. */
  stage: "received" | "answered";
  /** How many such requests to wait for; default 1. */
  count?: number;
  /** Default 30 s, well inside a test's timeout, so that a request that never comes fails with a message. */
  timeoutMs?: number;
}

const CHANNELS = { received: "http.server.request.start", answered: "http.server.response.finish" } as const;

/**
 * Resolves once the emulator has received or answered `count` requests of `service` on seri_endpoint.php, counted
 * from this call: call it before starting what sends them. The emulator itself exposes no event, but Node announces
 * every request of every HTTP server in this process, and the emulator's are those on its port.
 * Request start comes just before the emulator's handler runs, which takes a queued fault before its first await.
 */
export function emulatorRequests(emulator: RunningEmulator, service: string, { stage, count = 1, timeoutMs = 30_000 }: EmulatorWait): Promise<void> {
  const channel = CHANNELS[stage];
  let seen = 0;
  let listener: ((message: unknown) => void) | undefined;
  const reached = new Promise<void>((resolve) => {
    listener = (message: unknown) => {
      const { request } = message as ServerMessage;
      if (request.socket.localPort !== emulator.port) return;
      const url = new URL(request.url ?? "/", "http://emulator");
      if (!url.pathname.endsWith("seri_endpoint.php") || url.searchParams.get("service") !== service) return;
      seen += 1;
      if (seen >= count) resolve();
    };
    diagnostics.subscribe(channel, listener);
  });
  const waited = withDeadline(reached, {
    timeoutMs,
    what: () => `the emulator ${stage} ${count} ${service} request(s) (it ${stage} ${seen})`,
  }).finally(() => {
    if (listener) diagnostics.unsubscribe(channel, listener);
  });
  // A test that fails before awaiting this must not also leave an unhandled rejection behind.
  waited.catch(() => undefined);
  return waited;
}
