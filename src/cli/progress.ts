// Renders sync progress: a redrawn bar on a TTY, a plain line every few seconds otherwise (logs, cron mail).
import type { ProgressSink, ProgressSnapshot } from "../sync/progress.js";

export interface ProgressRendererOptions {
  stream?: NodeJS.WriteStream;
  /** Force the plain style even on a TTY. */
  plain?: boolean;
  /** Interval between plain lines. */
  plainEveryMs?: number;
}

export function createProgressRenderer(options: ProgressRendererOptions = {}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true && options.plain !== true;
  const every = tty ? 100 : (options.plainEveryMs ?? 5_000);
  let last = 0;
  let drawn = false;
  const line = (s: ProgressSnapshot): string => {
    const seconds = Math.max(s.elapsedMs / 1000, 0.001);
    const rate = Math.round(s.read / seconds);
    const failed = s.failed > 0 ? `, ${s.failed.toLocaleString("en-US")} failed` : "";
    return `${s.phase}: ${s.read.toLocaleString("en-US")} read, ${s.pushed.toLocaleString("en-US")} pushed${failed} (${rate.toLocaleString("en-US")}/s, ${seconds.toFixed(1)}s)`;
  };
  const draw = (s: ProgressSnapshot): void => {
    if (tty) {
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      const spinner = "|/-\\"[Math.floor(s.elapsedMs / 100) % 4] ?? "|";
      stream.write(`\r${`${spinner} ${line(s)}`.slice(0, width).padEnd(width)}`);
      drawn = true;
    } else {
      stream.write(`${line(s)}\n`);
    }
  };
  return {
    update(snapshot) {
      if (snapshot.elapsedMs - last < every) return;
      last = snapshot.elapsedMs;
      draw(snapshot);
    },
    done(snapshot) {
      if (tty) {
        draw({ ...snapshot, phase: "done" });
        if (drawn) stream.write("\n");
      } else if (snapshot.elapsedMs >= every) {
        draw({ ...snapshot, phase: "done" });
      }
    },
  };
}
