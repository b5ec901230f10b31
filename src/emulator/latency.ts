// A steady slow PBX: phonebook_import_sync answers no sooner than baseMs + perContactMs per contact after each request arrived.
import type http from "node:http";

/** How slowly the emulator answers phonebook_import_sync: a timer, no CPU, so that many requests can wait at once. */
export interface Latency {
  /** Milliseconds every answer waits, whatever it holds. */
  baseMs: number;
  /** Milliseconds more per contact in the request. */
  perContactMs: number;
}

export const LATENCY_RANGE = { baseMs: 600_000, perContactMs: 10_000 } as const;

/** Checks a latency (from code, JSON or the command line); throws naming the field and the fix. */
export function checkLatency(value: unknown): Latency {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error('invalid emulator latency: use an object such as {"baseMs": 100, "perContactMs": 0.5}');
  }
  const latency = value as Record<string, unknown>;
  const unknown = Object.keys(latency).filter((key) => !Object.hasOwn(LATENCY_RANGE, key));
  if (unknown.length > 0) throw new Error(`invalid emulator latency: unknown field(s) ${unknown.join(", ")}; use baseMs and perContactMs`);
  for (const field of ["baseMs", "perContactMs"] as const) {
    const ms = latency[field];
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > LATENCY_RANGE[field]) {
      const shown = typeof ms === "number" ? String(ms) : (JSON.stringify(ms) ?? "(missing)");
      throw new Error(`invalid emulator latency ${field} ${shown}: use a number of milliseconds 0..${LATENCY_RANGE[field]}`);
    }
  }
  return { baseMs: latency["baseMs"] as number, perContactMs: latency["perContactMs"] as number };
}

const LATENCY_TEXT = /^\s*(\d+(?:\.\d+)?)\s*(?:\+\s*(\d+(?:\.\d+)?)\s*)?$/;

/** `--latency 100+0.5`: 100 ms per request plus 0.5 ms per contact; `100` alone has no per-contact part. */
export function parseLatency(text: string): Latency {
  const match = LATENCY_TEXT.exec(text);
  if (!match) throw new Error(`invalid latency ${JSON.stringify(text)}: use BASE+PER_CONTACT in milliseconds, e.g. 100+0.5`);
  return checkLatency({ baseMs: Number(match[1]), perContactMs: Number(match[2] ?? 0) });
}

/** The latency in words, for the emulator's start line. */
export function describeLatency(latency: Latency): string {
  return `${latency.baseMs} ms + ${latency.perContactMs} ms per contact`;
}

/** How long the answer to a request of `contacts` contacts is held. */
export function holdMs(latency: Latency, contacts: number): number {
  return latency.baseMs + latency.perContactMs * contacts;
}

/** A clock for holds: performance.now() is monotonic, unlike Date.now(). */
export const now = (): number => performance.now();

/**
 * Waits until `until` (a now() time), or until the client hangs up or the emulator closes its sockets. A timer
 * can fire a millisecond early on the event loop's cached clock, so it waits again for what is left.
 */
export async function holdUntil(res: http.ServerResponse, until: number): Promise<void> {
  let hungUp = res.destroyed;
  const hangUp = (): void => void (hungUp = true);
  res.once("close", hangUp);
  while (!hungUp && now() < until) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        res.off("close", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.ceil(until - now())));
      res.once("close", done);
    });
  }
  res.off("close", hangUp);
}
