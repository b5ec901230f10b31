// JSON-lines logging (pino) with every registered secret masked before a line is written.
import { pino, type Logger, type LoggerOptions } from "pino";
import { prettyLine } from "./log-pretty.js";
import { redact } from "./redact.js";

export type { Logger } from "pino";

export interface LoggerSettings {
  level?: string;
  /** Where lines go; default stderr so that stdout stays free for command output. */
  destination?: NodeJS.WritableStream;
  /** Human-readable lines instead of JSON (for a terminal). */
  pretty?: boolean;
}

/** A pino logger whose every line passes through `redact`, so the PBX token cannot be logged. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const target = settings.destination ?? process.stderr;
  const stream = {
    write(line: string): void {
      const safe = redact(line);
      target.write(settings.pretty ? prettyLine(safe) : safe);
    },
  };
  const options: LoggerOptions = {
    level: settings.level ?? process.env["LOG_LEVEL"] ?? "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, stream);
}

/** A logger that drops everything: the default for library calls made without one. */
export const silentLogger: Logger = pino({ level: "silent" });
