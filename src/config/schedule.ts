// Cron schedules and time zones: validation with messages that say the fix, and the run times node-cron computes.
//
// Run times come from node-cron 4 itself (the library the daemon schedules with), so what `jobs` prints and
// what the daemon does cannot drift apart. node-cron's public getNextRuns() always counts from the current
// time; to count from another instant we call the same walker it uses (the task's time matcher), and refuse
// plainly if a later node-cron no longer has it. Measured with node-cron 4.6 in Europe/Rome:
//   - a time inside the hour skipped in spring (02:30 on the last Sunday of March) does not run that day;
//   - a time inside the hour repeated in autumn (02:30 on the last Sunday of October) runs once, at its
//     second occurrence (standard time); "every 20 minutes" also skips the first pass of that hour.
import { createTask, validateDetailed, type ScheduledTask } from "node-cron";

/** What each field takes, for the messages. */
const FIELD_HELP: Record<string, string> = {
  second: "second (0-59)",
  minute: "minute (0-59)",
  hour: "hour (0-23)",
  dayOfMonth: "day of month (1-31)",
  month: "month (1-12 or jan-dec)",
  dayOfWeek: "day of week (0-7 or sun-sat, 0 and 7 are Sunday)",
};

const SHAPE = 'five fields "minute hour day-of-month month day-of-week" (e.g. "0 2 * * *"), or six with seconds first';

/** undefined when node-cron accepts the expression; else a message naming the bad field, its value and the fix. */
export function checkCron(expression: string): string | undefined {
  const result = validateDetailed(expression);
  if (result.valid) return undefined;
  const problems = result.errors.map((error) => {
    const help = FIELD_HELP[error.field];
    if (help === undefined) return `${error.message}: use ${SHAPE}`;
    const name = help.slice(0, help.indexOf(" ("));
    if (error.field === "dayOfMonth" && error.message.includes("impossible")) {
      // "0 0 30 2 *": each field is fine alone, but February has no 30th: the job would never run.
      const month = expression.trim().split(/\s+/).at(-2) ?? "";
      return `${name} "${error.value ?? ""}" never comes in month "${month}": use a day that month has`;
    }
    return `${name} "${error.value ?? ""}" is not valid: use ${help}`;
  });
  if (problems.length === 0) problems.push(`use ${SHAPE}`);
  return `invalid cron expression "${expression}": ${problems.join("; ")}`;
}

/** undefined for an IANA time zone name the runtime knows; else a message with the fix. */
export function checkTimezone(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return undefined;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return `unknown time zone "${timezone}": use an IANA name such as Europe/Rome or UTC`;
  }
}

/** The machine's time zone (honours TZ): what a job without one runs in. */
export function systemTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The internal walker behind node-cron's getNextRuns(); present on 4.x tasks, not part of its typed API. */
interface Walker {
  getNextMatch(date: Date): Date;
}

function _walkerOf(task: ScheduledTask): Walker | undefined {
  const matcher = (task as unknown as { timeMatcher?: unknown }).timeMatcher;
  if (typeof matcher !== "object" || matcher === null) return undefined;
  return typeof (matcher as { getNextMatch?: unknown }).getNextMatch === "function" ? (matcher as Walker) : undefined;
}

/**
 * The next `count` run times of a schedule in a time zone, after `from` (default: now). Throws the message of
 * checkCron/checkTimezone for a bad expression or zone.
 */
export function nextRuns(schedule: string, timezone: string, count: number, from?: Date): Date[] {
  // Checked first: node-cron takes an unknown zone at creation, then throws while destroying the task, which
  // then stays in its registry for good.
  const problem = checkCron(schedule) ?? checkTimezone(timezone);
  if (problem !== undefined) throw new Error(problem);
  // Created, never started: no timer. node-cron keeps every task in a registry until it is destroyed.
  const task = createTask(schedule, () => undefined, { timezone, name: "phonebook-sync:next-runs" });
  try {
    if (from === undefined) return task.getNextRuns(count);
    const walker = _walkerOf(task);
    if (!walker) throw new Error("this node-cron version cannot compute run times from a given instant (only from now)");
    const runs: Date[] = [];
    let at = from;
    for (let i = 0; i < count; i++) {
      at = walker.getNextMatch(at);
      runs.push(at);
    }
    return runs;
  } finally {
    void task.destroy();
  }
}

/**
 * The gap between the next two runs after `from` (default: now): a job "misses" a run when its last complete
 * run is older than this. For irregular schedules ("0 2 * * 1-5") it is the gap that comes next.
 */
export function previousPeriodMs(schedule: string, timezone: string, from?: Date): number {
  const [first, second] = nextRuns(schedule, timezone, 2, from);
  if (!first || !second) throw new Error(`cron expression "${schedule}" has no two next runs`);
  return second.getTime() - first.getTime();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** "2026-12-03 02:00 (Europe/Rome)": the wall-clock time there; seconds appear only when they are not :00. */
export function formatInZone(date: Date, timezone: string): string {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timezone).formatToParts(date)) parts[part.type] = part.value;
  const seconds = parts["second"] === "00" ? "" : `:${parts["second"] ?? "00"}`;
  return `${parts["year"]}-${parts["month"]}-${parts["day"]} ${parts["hour"]}:${parts["minute"]}${seconds} (${timezone})`;
}
