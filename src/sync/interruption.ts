// Why a run was asked to stop early: an interruption by the operator (recorded "aborted") or a failure (recorded "failed").

/**
 * The abort reason of a stop signal that an operator or the daemon gave on purpose (Ctrl-C, SIGTERM, a
 * shutdown): the run ends `aborted` with this text. Any other abort reason (a lost lock) ends it `failed`.
 */
export class Interruption {
  constructor(readonly reason: string) {}

  /** "interrupted by SIGINT", as shells and admins read it. */
  static bySignal(signal: NodeJS.Signals, by = ""): Interruption {
    return new Interruption(`interrupted by ${signal}${by === "" ? "" : ` (${by})`}`);
  }
}

export interface StopCause {
  status: "aborted" | "failed";
  reason: string;
}

/** What an aborted stop signal means for the run; null while it is not aborted. */
export function stopCauseOf(signal: AbortSignal | undefined): StopCause | null {
  if (!signal?.aborted) return null;
  const reason: unknown = signal.reason;
  if (reason instanceof Interruption) return { status: "aborted", reason: reason.reason };
  if (reason instanceof Error && reason.name !== "AbortError") return { status: "failed", reason: reason.message };
  return { status: "aborted", reason: "interrupted" };
}
