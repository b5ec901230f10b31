// Waiting in tests with a deadline and a message that says what never happened, instead of sleeping and hoping.
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** What was awaited, for the failure message: "the lock row to go", "two scheduled runs of crm". */
  what: string;
}

/**
 * Polls `condition` until it returns a value other than undefined or false, and resolves with that value; rejects
 * after `timeoutMs`, naming `what`. Only for a state with no event to wait on (another process's file or database
 * row): where the code under test emits, resolves or prints something, wait on that with {@link withDeadline}.
 */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs, what, everyMs = 20 }: WaitOptions & { everyMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects after `timeoutMs` naming `what` (a function: worded when it is
 * late, e.g. with how far things got): an awaited event that never comes.
 */
export async function withDeadline<T>(promise: Promise<T>, { timeoutMs, what }: { timeoutMs: number; what: string | (() => string) }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${timeoutMs} ms: ${typeof what === "string" ? what : what()}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve function outside, for a callback the code under test calls (onLost, onChange...). */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
