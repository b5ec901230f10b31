// Exit codes of the design and the one place that turns a thrown error into a message and a code.
import { isSyncError, toSyncError, type ErrorCode } from "../errors.js";
import { redact } from "../redact.js";

export const EXIT = { success: 0, failed: 1, usage: 2, partial: 3, aborted: 4 } as const;
/** One of EXIT, or 128 + a signal's number for a run interrupted by that signal. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT] | number;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "CONFIG_INVALID",
  "CONFIG_NOT_FOUND",
  "CONFIG_ENV_MISSING",
  "MAPPING_INVALID",
  "USAGE",
  "JOB_NOT_FOUND",
  "RUN_NOT_FOUND",
]);

/** Prints an error for a human (code, message, where, hint) on stderr and returns the exit code. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): ExitCode {
  const error = toSyncError(err);
  const lines = [`error ${error.code}: ${error.message}`];
  if (error.location && !error.message.includes(error.location)) lines.push(`  at ${error.location}`);
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  if (error.code === "INTERNAL" && process.env["DEBUG"]) lines.push(redact(String(error.stack)));
  stderr.write(`${lines.join("\n")}\n`);
  if (isSyncError(error) && USAGE_CODES.has(error.code)) return EXIT.usage;
  if (error.code === "GUARD_TRIPPED") return EXIT.aborted;
  return EXIT.failed;
}

/**
 * Wraps a commander action: the action returns an exit code (or nothing for 0); a throw is printed by
 * `reportError`. process.exitCode is set rather than calling exit(), so pending output is flushed.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<ExitCode | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.success;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}
