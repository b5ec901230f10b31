// The soak's view of the daemon's log: a pino destination that counts finished runs by status and tallies warnings and errors.
import { Writable } from "node:stream";

/** pino's numeric levels. */
const WARN = 40;
const ERROR = 50;
/** Lines kept for a stall's or a crash's report. */
const TAIL_LINES = 40;

interface Waiter {
  runs: number;
  resolve: () => void;
}

export class SoakLog {
  /** Runs that ended, by status ("could not start" counts as failed: the store refused to record it). */
  readonly statuses = new Map<string, number>();
  /** Warning and error lines by level and message, e.g. "error run finished". */
  readonly tally = new Map<string, number>();
  skippedSlots = 0;
  finished = 0;
  /** Lines that are not JSON: nothing in the daemon should print those. */
  strayLines = 0;
  private readonly tail: string[] = [];
  private readonly waiters: Waiter[] = [];
  private partial = "";

  /** What createLogger writes to: one JSON line per write, split again in case a write ever holds more. */
  readonly stream = new Writable({
    decodeStrings: false,
    write: (chunk: string | Buffer, _encoding, done) => {
      const parts = (this.partial + chunk.toString()).split("\n");
      this.partial = parts.pop() ?? "";
      for (const line of parts) if (line !== "") this.take(line);
      done();
    },
  });

  /** Resolves once `runs` runs have ended. */
  waitFor(runs: number): Promise<void> {
    if (this.finished >= runs) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ runs, resolve }));
  }

  lastLines(): string {
    return this.tail.join("\n");
  }

  private take(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    let record: { level?: unknown; msg?: unknown; status?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      this.strayLines += 1;
      return;
    }
    const msg = typeof record.msg === "string" ? record.msg : "";
    const level = typeof record.level === "number" ? record.level : 0;
    if (level >= WARN) {
      const key = `${level >= ERROR ? "error" : "warn"} ${msg}`;
      this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
    }
    if (msg === "the job's previous run is still going: this run is skipped") this.skippedSlots += 1;
    if (msg === "run finished" || msg === "the run could not start") {
      const status = msg === "run finished" && typeof record.status === "string" ? record.status : "failed";
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      this.finished += 1;
      for (const waiter of this.waiters.filter((w) => w.runs <= this.finished)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
