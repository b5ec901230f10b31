// config.example.yaml is documentation that must stay true: it loads as it is, and so does its commented SQL job.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { clearSecrets, redact } from "../../src/redact.js";
import { ROOT } from "../helpers/cli.js";

const FILE = path.join(ROOT, "config.example.yaml");
const TEXT = readFileSync(FILE, "utf8");
const ENV = { VOISPEED_TOKEN: "example-token", STORE_DB_PASSWORD: "x", CRM_DB_PASSWORD: "crm-example-pw" };

/** The example with one commented job switched on: the block after the line with `marker` up to the next blank line, comment marks removed. */
function withJob(text: string, marker: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.includes(marker));
  expect(start).toBeGreaterThan(0);
  const end = lines.indexOf("", start) === -1 ? lines.length : lines.indexOf("", start);
  return lines
    .map((line, i) => {
      if (i <= start || i >= end || !line.startsWith("  # ")) return line;
      const uncommented = `  ${line.slice(4)}`;
      // Keys shown as alternatives stay comments.
      return /^\s+# /.test(uncommented) ? line : uncommented;
    })
    .join("\n");
}

const withSqlJob = (text: string): string => withJob(text, "# A second job reading a CRM's database");

/** The example with its commented notifications block switched on: from "# notifications:" to the next blank line. */
function withNotifications(text: string): string {
  const lines = text.split("\n");
  const start = lines.indexOf("# notifications:");
  expect(start).toBeGreaterThan(0);
  const end = lines.indexOf("", start);
  return lines.map((line, i) => (i >= start && i < end ? line.replace(/^# /, "") : line)).join("\n");
}

describe("config.example.yaml", () => {
  it("loads as shipped", () => {
    const config = parseConfig(TEXT, FILE, { env: ENV });
    expect(config.jobs.map((job) => job.name)).toEqual(["crm"]);
    expect(config.jobs[0]).toMatchObject({
      schedule: "0 2 * * *",
      timezone: "Europe/Rome",
      catchUp: true,
      runOnStart: false,
      retryWindow: "auto",
      retryDelayMs: 60_000,
      fullEveryMs: undefined,
    });
    expect(config.daemon).toEqual({ http: { port: 9464, host: "127.0.0.1" }, shutdownTimeoutMs: 30_000 });
    expect(config.notifications).toBeUndefined();
  });

  it("loads with its notifications uncommented, their secrets taken from the environment and masked", () => {
    clearSecrets();
    const env = { ...ENV, HOOK_TOKEN: "example-hook-token", SMTP_PASSWORD: "example-smtp-pw" };
    const config = parseConfig(withNotifications(TEXT), FILE, { env });
    expect(config.notifications?.webhook).toMatchObject({ url: "https://hooks.example.com/phonebook-sync", headers: { Authorization: "Bearer example-hook-token" } });
    expect(config.notifications?.email).toMatchObject({ smtp: { host: "smtp.example.com", port: 587, password: "example-smtp-pw" }, to: ["it@example.com"] });
    expect(redact("Bearer example-hook-token / example-smtp-pw")).toBe("*** / ***");
  });

  it("loads with its SQL job uncommented, the query taken from the SuiteCRM preset's source block", () => {
    const config = parseConfig(withSqlJob(TEXT), FILE, { env: ENV });
    const job = config.jobs.find((candidate) => candidate.name === "suitecrm");
    expect(job?.source.type).toBe("sql");
    const source = job?.source.config as { client: string; key: string; query: string; connection: { password: string; ssl: unknown } };
    expect(source).toMatchObject({ client: "mysql", key: "id", connection: { password: "crm-example-pw", ssl: { caFile: "./crm-db-ca.pem", rejectUnauthorized: true } } });
    expect(source.query).toMatch(/FROM contacts c/);
  });

  it("loads with its CardDAV job uncommented, the password from the environment", () => {
    const config = parseConfig(withJob(TEXT, "# A CardDAV address book"), FILE, { env: { ...ENV, CARDDAV_PASSWORD: "example-app-pw" } });
    const job = config.jobs.find((candidate) => candidate.name === "addressbook");
    expect(job?.source.type).toBe("carddav");
    expect(job?.source.config).toMatchObject({ url: "https://cloud.example.com/remote.php/dav", username: "alice", password: "example-app-pw", incremental: true });
    expect(job?.appName).toBe("CARDDAV");
  });
});
