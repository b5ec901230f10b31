import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { isSyncError, type SyncError } from "../../src/errors.js";

const FILE = "/etc/phonebook-sync/config.yaml";

const VALID = `
pbx:
  url: https://pbx.example.com/PBX/seri_endpoint.php
  token: \${VOISPEED_TOKEN}
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
`;

function problemsOf(text: string, env: NodeJS.ProcessEnv = { VOISPEED_TOKEN: "cfg-test-secret-1" }): SyncError {
  try {
    parseConfig(text, FILE, { env });
  } catch (err) {
    if (isSyncError(err)) return err;
    throw err;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration loading", () => {
  it("fills every default and resolves paths against the config file's directory", () => {
    const config = parseConfig(VALID, FILE, { env: { VOISPEED_TOKEN: "tok-1234567" } });
    expect(config.pbx.token).toBe("tok-1234567");
    expect(config.pbx.timeoutMs).toBe(30_000);
    expect(config.pbx.extInfoEncoding).toBe("array");
    expect(config.store).toEqual({ client: "sqlite", filename: "/etc/phonebook-sync/data/phonebook-sync.sqlite" });
    const job = config.jobs[0];
    expect(job?.mapping).toBe("/etc/phonebook-sync/mapping.yaml");
    expect(job).toMatchObject({ batchSize: 500, batchMaxBytes: 1_048_576, concurrency: 2 });
    expect(job?.retry).toEqual({ attempts: 4, minDelayMs: 1000, maxDelayMs: 30000 });
    expect(job?.deletions).toEqual({ enabled: true, maxDeletes: undefined, maxDeleteRatio: 0.1 });
  });

  it("lets a job override the defaults section", () => {
    const text = VALID.replace("jobs:", "defaults:\n  batchSize: 100\n  concurrency: 3\njobs:").replace(
      "mapping: ./mapping.yaml",
      "mapping: ./mapping.yaml\n    concurrency: 1",
    );
    const job = parseConfig(text, FILE, { env: { VOISPEED_TOKEN: "cfg-test-secret-1" } }).jobs[0];
    expect(job).toMatchObject({ batchSize: 100, concurrency: 1 });
  });

  it("interpolates ${VAR:-fallback} and $$ and reports an unset variable with its path and line", () => {
    const withFallback = VALID.replace("${VOISPEED_TOKEN}", "${NOPE:-fallback-token}$$x");
    expect(parseConfig(withFallback, FILE, { env: {} }).pbx.token).toBe("fallback-token$x");
    const error = problemsOf(VALID, {});
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain(`${FILE}:4: pbx.token: environment variable VOISPEED_TOKEN is not set`);
    // Said once: not also as "pbx.token is empty".
    expect(error.message).toContain("has 1 problem:");
    expect(error.message).not.toContain("pbx.token is empty");
  });

  it("lists every problem at once, each with its YAML path and line", () => {
    const text = `
pbx:
  url: ftp://pbx.example.com
  token: cfg-test-secret-2
  timeoutMs: 5
  colour: blue
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./a.csv, delimiter: "#" }
    mapping: ./m.yaml
    batchSize: 0
  - name: erp
    appName: CRM
    source: { type: ftp }
    mapping: ./m.yaml
`;
    const error = problemsOf(text);
    const lines = error.message.split("\n").slice(1).map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        `- ${FILE}:3: pbx.url: unsupported protocol ftp:: use https:// (or http://)`,
        `- ${FILE}:5: pbx.timeoutMs: invalid timeoutMs: use 1000..600000`,
        `- ${FILE}:6: pbx: unknown option colour (keys here: url, token, timeoutMs, caFile, extInfoEncoding, connections, embedded)`,
        `- ${FILE}:12: jobs[0].batchSize: invalid batchSize: use 1..5000`,
      ]),
    );
    expect(error.message).toMatch(/problems:/);
  });

  it("refuses two jobs that share an app name, and a source type nobody knows", () => {
    const text = `${VALID}
  - name: erp
    appName: CRM
    source: { type: ftp }
    mapping: ./m.yaml
`;
    const error = problemsOf(text);
    expect(error.message).toContain(`jobs[1].appName: appName "CRM" is already used by jobs[0]`);
    expect(error.message).toMatch(/jobs\[1\]\.source\.type: .*ftp/);
  });

  it("validates the source with its connector's schema, naming the bad field", () => {
    const error = problemsOf(VALID.replace("path: ./contacts.csv", "path: ./contacts.csv, delimter: ';'"));
    expect(error.message).toMatch(/jobs\[0\]\.source.*delimter/);
  });

  it("names the line of a YAML syntax error", () => {
    const error = problemsOf("pbx:\n  url: [unclosed\njobs: []\n");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(new RegExp(`${FILE}:\\d+:`));
  });

  it("refuses a token in the URL, so it cannot leak through a printed URL", () => {
    const error = problemsOf(VALID.replace("seri_endpoint.php", "seri_endpoint.php?token=abc"));
    expect(error.message).toContain("pbx.url: put the token in pbx.token, not in the URL");
    expect(error.message).not.toContain("abc");
  });
});
