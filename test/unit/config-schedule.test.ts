// The schedule options of the configuration (cron, time zone, catch-up, retries, full runs), the daemon and
// notifications sections, and the run times node-cron computes, DST included.
import { getTasks } from "node-cron";
import { beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { checkCron, checkTimezone, formatInZone, nextRuns, previousPeriodMs, systemTimezone } from "../../src/config/schedule.js";
import { isSyncError, type SyncError } from "../../src/errors.js";
import { clearSecrets, redact } from "../../src/redact.js";

const FILE = "/etc/phonebook-sync/config.yaml";
const ENV = { VOISPEED_TOKEN: "sched-test-token-1" };

function config(defaults: string, job = "", rest = ""): string {
  return `pbx:
  url: https://pbx.example.com
  token: \${VOISPEED_TOKEN}
defaults:
  batchSize: 500
${defaults}
${rest}
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
${job}
  - name: erp
    appName: ERP
    source: { type: csv, path: ./erp.csv }
    mapping: ./mapping.yaml
`;
}

/** The 1-based line of the only line that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split("\n");
  const found = lines.flatMap((line, i) => (line.includes(needle) ? [i + 1] : []));
  expect(found, `exactly one line contains ${needle}`).toHaveLength(1);
  return found[0] as number;
}

function problemsOf(text: string, env: NodeJS.ProcessEnv = ENV): SyncError {
  try {
    parseConfig(text, FILE, { env });
  } catch (err) {
    if (isSyncError(err)) return err;
    throw err;
  }
  throw new Error("expected the configuration to be refused");
}

describe("schedule options in the configuration", () => {
  it("gives every job the documented defaults when nothing is set", () => {
    const loaded = parseConfig(config(""), FILE, { env: ENV });
    for (const job of loaded.jobs) {
      expect(job).toMatchObject({
        schedule: undefined,
        timezone: systemTimezone(),
        catchUp: true,
        runOnStart: false,
        retryWindow: "auto",
        retryDelayMs: 60_000,
        fullEveryMs: undefined,
      });
    }
    expect(loaded.daemon).toEqual({ http: undefined, shutdownTimeoutMs: 30_000 });
    expect(loaded.notifications).toBeUndefined();
  });

  it("applies the defaults section to every job and lets a job override each key", () => {
    const defaults = `  schedule: "0 2 * * *"
  timezone: Europe/Rome
  catchUp: false
  runOnStart: true
  retryWindow: 3h
  retryDelay: 30s
  fullEvery: 7d`;
    const job = `    schedule: "*/2 * * * * *"
    timezone: Asia/Tokyo
    catchUp: true
    runOnStart: false
    retryWindow: "off"
    retryDelay: 500ms
    fullEvery: 1d12h`;
    const [crm, erp] = parseConfig(config(defaults, job), FILE, { env: ENV }).jobs;
    expect(crm).toMatchObject({
      schedule: "*/2 * * * * *",
      timezone: "Asia/Tokyo",
      catchUp: true,
      runOnStart: false,
      retryWindow: "off",
      retryDelayMs: 500,
      fullEveryMs: 129_600_000,
    });
    expect(erp).toMatchObject({
      schedule: "0 2 * * *",
      timezone: "Europe/Rome",
      catchUp: false,
      runOnStart: true,
      retryWindow: 10_800_000,
      retryDelayMs: 30_000,
      fullEveryMs: 604_800_000,
    });
  });

  it("takes retryWindow auto, and fullEvery on a job without a schedule", () => {
    const [crm] = parseConfig(config("", "    retryWindow: auto\n    fullEvery: 2w"), FILE, { env: ENV }).jobs;
    expect(crm).toMatchObject({ schedule: undefined, retryWindow: "auto", fullEveryMs: 1_209_600_000 });
  });

  it("reports a bad cron expression with its file, line and the bad field", () => {
    const text = config("", '    schedule: "61 * * * *"');
    const error = problemsOf(text);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain(
      `${FILE}:${lineOf(text, "61 * * * *")}: jobs[0].schedule: invalid cron expression "61 * * * *": minute "61" is not valid: use minute (0-59)`,
    );
  });

  it("reports an unknown time zone with its file and line, in the defaults section too", () => {
    const text = config("  timezone: Europe/Rom");
    expect(problemsOf(text).message).toContain(
      `${FILE}:${lineOf(text, "Europe/Rom")}: defaults.timezone: unknown time zone "Europe/Rom": use an IANA name such as Europe/Rome or UTC`,
    );
  });

  it("reports a duration without a unit, and one out of range, each with its line", () => {
    const text = config("  retryDelay: 7", "    fullEvery: 0s\n    retryWindow: sometimes");
    const message = problemsOf(text).message;
    expect(message).toContain(`${FILE}:${lineOf(text, "retryDelay: 7")}: defaults.retryDelay: invalid duration "7": use a number and a unit, e.g. 30s, 15m, 1h, 7d`);
    expect(message).toContain(`${FILE}:${lineOf(text, "fullEvery: 0s")}: jobs[0].fullEvery: invalid fullEvery "0s": use 1s..366d`);
    expect(message).toContain(`${FILE}:${lineOf(text, "sometimes")}: jobs[0].retryWindow: invalid duration "sometimes"`);
    expect(message).toContain('or "auto", "off"');
  });

  it("lists every problem in one pass: cron, zone, durations, daemon and other keys together", () => {
    const text = config(
      "  schedule: \"0 2 * *\"\n  retryDelay: 1h",
      '    timezone: Mars/Olympus\n    batchSize: 0\n    catchUp: "yes"',
      "daemon:\n  http: { port: 70000 }\n  shutdownTimeoutMs: 10",
    );
    const error = problemsOf(text);
    expect(error.message).toContain("has 7 problems:");
    const expected: Array<[string, string]> = [
      ['"0 2 * *"', 'defaults.schedule: invalid cron expression "0 2 * *": expected 5 or 6 fields but got 4: use five fields'],
      ["retryDelay: 1h", 'defaults.retryDelay: invalid retryDelay "1h": use 100ms..15m'],
      ["Mars/Olympus", 'jobs[0].timezone: unknown time zone "Mars/Olympus"'],
      ["batchSize: 0", "jobs[0].batchSize: invalid batchSize: use 1..5000"],
      ['catchUp: "yes"', "jobs[0].catchUp: catchUp must be true or false"],
      ["port: 70000", "daemon.http.port: invalid daemon.http.port: use 0..65535"],
      ["shutdownTimeoutMs: 10", "daemon.shutdownTimeoutMs: invalid daemon.shutdownTimeoutMs: use 1000..600000"],
    ];
    for (const [needle, problem] of expected) expect(error.message).toContain(`${FILE}:${lineOf(text, needle)}: ${problem}`);
  });

  it("reads the daemon section, the HTTP host defaulting to loopback", () => {
    const loaded = parseConfig(config("", "", "daemon:\n  http: { port: 9464 }\n  shutdownTimeoutMs: 5000"), FILE, { env: ENV });
    expect(loaded.daemon).toEqual({ http: { port: 9464, host: "127.0.0.1" }, shutdownTimeoutMs: 5000 });
    const open = parseConfig(config("", "", "daemon:\n  http: { port: 8080, host: 0.0.0.0 }"), FILE, { env: ENV });
    expect(open.daemon).toEqual({ http: { port: 8080, host: "0.0.0.0" }, shutdownTimeoutMs: 30_000 });
  });
});

describe("notifications in the configuration", () => {
  beforeEach(() => clearSecrets());

  const NOTIFY = `notifications:
  webhook:
    url: https://hooks.example.com/pbx
    headers:
      Authorization: "Bearer \${HOOK_TOKEN}"
  email:
    smtp: { host: smtp.example.com, user: sync@example.com, password: "\${SMTP_PASSWORD}" }
    from: sync@example.com
    to: [it@example.com]`;

  it("loads the section with its defaults and keeps its secrets out of every printed text", () => {
    const env = { ...ENV, HOOK_TOKEN: "hook-secret-5150", SMTP_PASSWORD: "smtp-secret-8086" };
    expect(redact("Bearer hook-secret-5150")).toBe("Bearer hook-secret-5150");
    const loaded = parseConfig(config("", "", NOTIFY), FILE, { env });
    expect(loaded.notifications?.webhook).toMatchObject({ headers: { Authorization: "Bearer hook-secret-5150" }, timeoutMs: 10_000, attempts: 3 });
    expect(loaded.notifications?.email).toMatchObject({ smtp: { port: 587, secure: false, password: "smtp-secret-8086" }, subjectPrefix: "[phonebook-sync]" });
    expect(redact("Authorization: Bearer hook-secret-5150")).toBe("Authorization: ***");
    // The token alone, as a log line or an error might quote it without its scheme.
    expect(redact("token hook-secret-5150 refused")).toBe("token *** refused");
    expect(redact("AUTH PLAIN smtp-secret-8086")).toBe("AUTH PLAIN ***");
  });

  it("reports a bad notifications key with its line, in the same pass as the rest", () => {
    const text = config('  timezone: "Nowhere/Land"', "", NOTIFY.replace("https://hooks.example.com/pbx", "ftp://hooks.example.com"));
    const error = problemsOf(text, { ...ENV, HOOK_TOKEN: "x-token-1", SMTP_PASSWORD: "y-pass-1" });
    expect(error.message).toContain("has 2 problems:");
    expect(error.message).toContain(`${FILE}:${lineOf(text, "ftp://")}: notifications.webhook.url: not an http(s) URL`);
    expect(error.message).toContain(`${FILE}:${lineOf(text, "Nowhere/Land")}: defaults.timezone: unknown time zone`);
  });
});

describe("cron expressions and time zones", () => {
  it("accepts five fields, six with seconds first, and names", () => {
    for (const expression of ["0 2 * * *", "*/2 * * * * *", "30 1 * * mon-fri", "0 0 1 jan,jul *", "0 3 * * 7"]) {
      expect(checkCron(expression), expression).toBeUndefined();
    }
  });

  it("names every bad field of an expression and what the field takes", () => {
    expect(checkCron("0 25 * * 8")).toBe(
      'invalid cron expression "0 25 * * 8": hour "25" is not valid: use hour (0-23); day of week "8" is not valid: use day of week (0-7 or sun-sat, 0 and 7 are Sunday)',
    );
    expect(checkCron("70 0 2 * * *")).toContain('second "70" is not valid: use second (0-59)');
    expect(checkCron("0 2 * * * * *")).toContain("expected 5 or 6 fields but got 7: use five fields");
    expect(checkCron("0 0 30 2 *")).toBe('invalid cron expression "0 0 30 2 *": day of month "30" never comes in month "2": use a day that month has');
  });

  it("knows IANA zone names and refuses others with the fix", () => {
    expect(checkTimezone("Europe/Rome")).toBeUndefined();
    expect(checkTimezone("UTC")).toBeUndefined();
    expect(checkTimezone("Europe/Rom")).toBe('unknown time zone "Europe/Rom": use an IANA name such as Europe/Rome or UTC');
    expect(checkTimezone("")).toBe('unknown time zone "": use an IANA name such as Europe/Rome or UTC');
  });

  it("runs a seconds schedule every two seconds", () => {
    const from = new Date("2026-06-01T10:00:00.500Z");
    const runs = nextRuns("*/2 * * * * *", "UTC", 3, from);
    expect(runs.map((run) => run.toISOString())).toEqual(["2026-06-01T10:00:02.000Z", "2026-06-01T10:00:04.000Z", "2026-06-01T10:00:06.000Z"]);
    expect(previousPeriodMs("*/2 * * * * *", "UTC", from)).toBe(2000);
  });

  it("reads the schedule in the job's time zone", () => {
    const from = new Date("2026-12-02T12:00:00Z");
    expect(nextRuns("0 2 * * *", "Europe/Rome", 1, from)[0]?.toISOString()).toBe("2026-12-03T01:00:00.000Z");
    expect(nextRuns("0 2 * * *", "Asia/Tokyo", 1, from)[0]?.toISOString()).toBe("2026-12-02T17:00:00.000Z");
    expect(nextRuns("0 2 * * *", "America/New_York", 1, from)[0]?.toISOString()).toBe("2026-12-03T07:00:00.000Z");
  });

  it("runs only when both the day of month and the day of week match, unlike classic cron's either", () => {
    const runs = nextRuns("0 3 1 * 1", "UTC", 2, new Date("2026-12-02T12:00:00Z"));
    // The 1st of a month that is a Monday: February and March 2027, not every Monday nor every 1st.
    expect(runs.map((run) => run.toISOString())).toEqual(["2027-02-01T03:00:00.000Z", "2027-03-01T03:00:00.000Z"]);
  });

  it("skips a run whose time does not exist on the spring DST day (02:30 on the last Sunday of March in Rome)", () => {
    const runs = nextRuns("30 2 * * *", "Europe/Rome", 3, new Date("2026-03-27T12:00:00Z"));
    // 28 March 02:30 CET, then nothing on the 29th (02:00 -> 03:00), then 30 March 02:30 CEST.
    expect(runs.map((run) => formatInZone(run, "Europe/Rome"))).toEqual([
      "2026-03-28 02:30 (Europe/Rome)",
      "2026-03-30 02:30 (Europe/Rome)",
      "2026-03-31 02:30 (Europe/Rome)",
    ]);
    expect(runs.map((run) => run.toISOString())).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"]);
  });

  it("runs once on the autumn DST day, at the second 02:30 (standard time)", () => {
    const runs = nextRuns("30 2 * * *", "Europe/Rome", 3, new Date("2026-10-24T12:00:00Z"));
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET): node-cron runs at the second only.
    expect(runs.map((run) => run.toISOString())).toEqual(["2026-10-25T01:30:00.000Z", "2026-10-26T01:30:00.000Z", "2026-10-27T01:30:00.000Z"]);
  });

  it("measures the period across a DST change as the real gap between two runs", () => {
    // 01:00 on 29 March (CET) to 01:00 on 30 March (CEST): 23 hours.
    expect(previousPeriodMs("0 1 * * *", "Europe/Rome", new Date("2026-03-28T12:00:00Z"))).toBe(23 * 3_600_000);
    expect(previousPeriodMs("0 2 * * *", "Europe/Rome", new Date("2026-12-02T12:00:00Z"))).toBe(24 * 3_600_000);
    expect(previousPeriodMs("0 2 * * 1", "UTC", new Date("2026-12-02T12:00:00Z"))).toBe(7 * 24 * 3_600_000);
  });

  it("counts from now when no instant is given", () => {
    const before = Date.now();
    const [first, second] = nextRuns("0 2 * * *", "Europe/Rome", 2);
    expect(first?.getTime()).toBeGreaterThan(before);
    expect(first?.getTime()).toBeLessThanOrEqual(before + 25 * 3_600_000);
    expect(formatInZone(first as Date, "Europe/Rome")).toMatch(/^\d{4}-\d\d-\d\d 02:00 \(Europe\/Rome\)$/);
    expect((second?.getTime() ?? 0) - (first?.getTime() ?? 0)).toBeGreaterThanOrEqual(23 * 3_600_000);
  });

  it("leaves no task behind in node-cron, also when the zone is refused", () => {
    const before = getTasks().size;
    nextRuns("0 2 * * *", "UTC", 5);
    nextRuns("0 2 * * *", "UTC", 5, new Date());
    expect(() => nextRuns("0 2 * * *", "Europe/Rom", 1)).toThrow(`unknown time zone "Europe/Rom"`);
    expect(() => nextRuns("0 2 * *", "UTC", 1)).toThrow(`invalid cron expression "0 2 * *"`);
    expect(getTasks().size).toBe(before);
  });

  it("prints a time as the wall clock of the zone, with seconds only when they are not zero", () => {
    expect(formatInZone(new Date("2026-12-03T01:00:00Z"), "Europe/Rome")).toBe("2026-12-03 02:00 (Europe/Rome)");
    expect(formatInZone(new Date("2026-12-02T23:30:00Z"), "Asia/Tokyo")).toBe("2026-12-03 08:30 (Asia/Tokyo)");
    expect(formatInZone(new Date("2026-06-01T00:00:02Z"), "UTC")).toBe("2026-06-01 00:00:02 (UTC)");
  });
});
