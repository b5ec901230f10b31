// The log levels of `log.level` and of every command's --log-level, apart so a command's help loads no zod.

/** The levels of `log.level`, and of every command's --log-level: one list, so the two cannot disagree. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
