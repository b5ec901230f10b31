// Ctrl-C and SIGTERM for one-shot commands: the first stops the run and records it, the second cancels what is in flight.
import { Interruption } from "../sync/interruption.js";

/** How long after a second signal the process waits for the runs to be recorded before it exits anyway. */
export const CANCEL_GRACE_MS = 10_000;

export interface SignalHandling {
  /** Aborted by the first signal (reason: an Interruption): read no further, finish the batches in flight. */
  signal: AbortSignal;
  /** Aborted by the second: cancel the PBX requests in flight, record the run, exit. */
  cancel: AbortSignal;
  /** The signal received first, if any: the exit code follows it (130 for SIGINT, 143 for SIGTERM). */
  readonly received: NodeJS.Signals | null;
  dispose(): void;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

/** The shell's exit code for a process ended by a signal: 128 + its number. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 1);
}

export function abortOnSignals(stderr: NodeJS.WritableStream = process.stderr): SignalHandling {
  const stop = new AbortController();
  const cancel = new AbortController();
  let received: NodeJS.Signals | null = null;
  let fallback: NodeJS.Timeout | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (received === null) {
      received = name;
      stderr.write(`\n${name}: finishing the batches in flight and recording the run (again to cancel them)\n`);
      stop.abort(Interruption.bySignal(name));
      return;
    }
    if (!cancel.signal.aborted) {
      stderr.write(`\n${name}: cancelling the requests in flight; recording the run (again to quit at once)\n`);
      cancel.abort(Interruption.bySignal(name, "cancelled"));
      // Recording takes a moment; should the store hang, the process still ends.
      fallback = setTimeout(() => process.exit(exitCodeForSignal(received ?? name)), CANCEL_GRACE_MS);
      fallback.unref();
      return;
    }
    process.exit(exitCodeForSignal(received));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: stop.signal,
    cancel: cancel.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      if (fallback) clearTimeout(fallback);
    },
  };
}
