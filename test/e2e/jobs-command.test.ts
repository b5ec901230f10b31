// `phonebook-sync jobs` as a real process: next runs in each job's time zone, the last runs from a real SQLite
// store, and bad schedules refused with their lines (by `validate` too).
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COUNT_KEYS, openStore, type RunCounts, type RunStatus } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Two jobs: crm runs at 02:00 Tokyo time (UTC+9 all year, no DST), erp has no schedule. */
const CONFIG = `pbx:
  url: embedded
  token: jobs-test-token
store: { client: sqlite, filename: ./data/store.sqlite }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
    schedule: "0 2 * * *"
    timezone: Asia/Tokyo
  - name: erp
    appName: ERP
    source: { type: sql, client: sqlite, filename: ./erp.sqlite, table: contacts, key: id }
    mapping: ./mapping.yaml
`;

/** The next 02:00 in Tokyo after `at`, worked out by hand: 17:00 UTC. */
function nextTokyoTwoAm(at: number): Date {
  const today = new Date(at);
  const candidate = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 17);
  return new Date(candidate > at ? candidate : candidate + DAY);
}

function tokyoLabel(run: Date): string {
  return `${new Date(run.getTime() + 9 * HOUR).toISOString().slice(0, 10)} 02:00 (Asia/Tokyo)`;
}

/** Runs `jobs` and gives the next-run times computed before and after it: the CLI's must be one of them. */
async function jobsAround(args: string[], env: NodeJS.ProcessEnv) {
  const before = nextTokyoTwoAm(Date.now());
  const result = await runCli(["jobs", ...args], { env });
  const after = nextTokyoTwoAm(Date.now());
  return { result, expected: [before, after] };
}

async function configDir(text = CONFIG): Promise<{ dir: string; file: string }> {
  const dir = await tempDir("pbsync-jobs-");
  const file = path.join(dir, "config.yaml");
  await writeFile(file, text, { mode: 0o600 });
  return { dir, file };
}

function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((line) => line.includes(needle)) + 1;
}

const ZERO: RunCounts = Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;

describe("phonebook-sync jobs", () => {
  it("prints help with examples", async () => {
    const result = await runCli(["jobs", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: phonebook-sync jobs/);
    expect(result.stdout).toContain("phonebook-sync jobs --config config.yaml --json");
  });

  it("lists the next run in the job's time zone, 'not scheduled' and 'never run' without a store, creating none", async () => {
    const { dir, file } = await configDir();
    const { result, expected } = await jobsAround(["--config", file], { TZ: "America/New_York" });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [header, rule, crm, erp, ...rest] = result.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^job\s+app\s+source\s+schedule\s+next run\s+last run\s+status\s+ended\s+last success$/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(rest).toEqual([]);
    expect(expected.map(tokyoLabel).some((label) => crm?.includes(`0 2 * * *  ${label}`))).toBe(true);
    expect(crm).toMatch(/^crm\s+CRM\s+csv\s+.*never run$/);
    expect(erp).toMatch(/^erp\s+ERP\s+sql\s+-\s+not scheduled\s+never run$/);
    // Columns line up: each row's "never run" starts under the header's "last run".
    expect(crm?.indexOf("never run")).toBe(header?.indexOf("last run"));
    expect(erp?.indexOf("never run")).toBe(header?.indexOf("last run"));
    expect(existsSync(path.join(dir, "data"))).toBe(false);

    const json = await jobsAround(["--config", file, "--json"], { TZ: "America/New_York" });
    expect(json.result.code).toBe(0);
    const [crmJson, erpJson] = JSON.parse(json.result.stdout) as Array<Record<string, unknown>>;
    expect(crmJson).toMatchObject({ name: "crm", appName: "CRM", source: "csv", schedule: "0 2 * * *", timezone: "Asia/Tokyo", lastRun: null, lastSuccess: null });
    expect(json.expected.map((date) => date.toISOString())).toContain(crmJson?.["nextRun"]);
    expect(json.expected.map(tokyoLabel)).toContain(crmJson?.["nextRunLocal"]);
    // A job without a time zone is in the machine's.
    expect(erpJson).toMatchObject({ name: "erp", schedule: null, timezone: "America/New_York", nextRun: null, nextRunLocal: null, lastRun: null });
  });

  it("shows the last run, a run still going, and the last successful run from the store", async () => {
    const { dir, file } = await configDir();
    await mkdir(path.join(dir, "data"));
    const store = await openStore({ client: "sqlite", filename: path.join(dir, "data", "store.sqlite") });
    const finished = async (job: string, status: RunStatus) => {
      const id = await store.createRun({ job, appName: job.toUpperCase(), trigger: "schedule", pbx: "embedded" });
      await store.finishRun(id, { status, counts: ZERO });
      return id;
    };
    let runningId: number;
    try {
      await finished("crm", "success");
      const good = await finished("crm", "success");
      const bad = await finished("crm", "failed");
      runningId = await store.createRun({ job: "erp", appName: "ERP", trigger: "cli", pbx: "embedded" });
      const runs = await store.listRuns({ limit: 10 });
      const at = (id: number, key: "startedAt" | "endedAt") => {
        const date = runs.find((run) => run.id === id)?.[key];
        return date ? date.toISOString().replace("T", " ").slice(0, 19) : "?";
      };

      const { result } = await jobsAround(["--config", file], { TZ: "UTC" });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const [, , crm, erp] = result.stdout.trimEnd().split("\n");
      expect(crm).toMatch(new RegExp(`\\s${bad}\\s+failed\\s+${at(bad, "endedAt")}\\s+${at(good, "endedAt")}$`));
      expect(erp).toMatch(new RegExp(`not scheduled\\s+${runningId}\\s+running\\s+running since ${at(runningId, "startedAt")}\\s+never$`));

      const json = await runCli(["jobs", "--config", file, "--json"]);
      const [crmJson, erpJson] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
      expect(crmJson?.["lastRun"]).toMatchObject({ id: bad, status: "failed", trigger: "schedule", dryRun: false });
      expect(crmJson?.["lastSuccess"]).toMatchObject({ id: good });
      expect(erpJson?.["lastRun"]).toMatchObject({ id: runningId, status: "running", endedAt: null });
      expect(erpJson?.["lastSuccess"]).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("still lists the jobs when the store cannot be read, and exits 1 saying why", async () => {
    const { dir, file } = await configDir();
    // The store's file name is taken by a directory.
    await mkdir(path.join(dir, "data", "store.sqlite"), { recursive: true });
    const { result, expected } = await jobsAround(["--config", file], { TZ: "UTC" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot read the runs from the store: STORE_FAILED");
    expect(result.stderr).toContain("is a directory");
    expect(expected.map(tokyoLabel).some((label) => result.stdout.includes(label))).toBe(true);
    expect(result.stdout).toMatch(/^crm .*unknown\s+store unavailable$/m);
  });

  it("refuses a bad cron expression and an unknown time zone with their lines, in validate and in jobs", async () => {
    const bad = CONFIG.replace('schedule: "0 2 * * *"', 'schedule: "61 * * * *"').replace("key: id }\n", "key: id }\n    timezone: Europe/Rom\n");
    const { file } = await configDir(bad);
    const cronLine = `${file}:${lineOf(bad, "61 * * * *")}: jobs[0].schedule: invalid cron expression "61 * * * *": minute "61" is not valid: use minute (0-59)`;
    const zoneLine = `${file}:${lineOf(bad, "Europe/Rom")}: jobs[1].timezone: unknown time zone "Europe/Rom": use an IANA name such as Europe/Rome or UTC`;
    for (const command of ["validate", "jobs"]) {
      const result = await runCli([command, "--config", file]);
      expect(result.code, command).toBe(2);
      expect(result.stdout, command).toBe("");
      expect(result.stderr, command).toContain("error CONFIG_INVALID:");
      expect(result.stderr, command).toContain("has 2 problems:");
      expect(result.stderr, command).toContain(cronLine);
      expect(result.stderr, command).toContain(zoneLine);
    }
  });
});
