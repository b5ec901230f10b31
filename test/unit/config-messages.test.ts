// Configuration and mapping files that explain themselves: each problem on the line of the key at fault, a typo
// answered with the key it resembles, a key at the wrong level with where it belongs; validate refuses what a run would.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { daemonCommand } from "../../src/cli/daemon.js";
import { serveCommand } from "../../src/cli/serve.js";
import { syncCommand } from "../../src/cli/sync.js";
import { configSchema, LOG_LEVELS, loadConfig } from "../../src/config/index.js";
import { isSyncError, type SyncError } from "../../src/errors.js";
import { loadMapping } from "../../src/mapping/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "cfg-messages-token-1";
const MAPPING = "version: 1\nexternalId: id\ndefaultCountry: IT\nfields:\n  name: first\n";

/** Writes `text` as a file of its own and returns what loading it refuses, one problem a line. */
async function configProblems(text: string, env: NodeJS.ProcessEnv = { VOISPEED_TOKEN: TOKEN }): Promise<{ file: string; lines: string[] }> {
  const dir = await tempDir("pbsync-cfgmsg-");
  const file = path.join(dir, "config.yaml");
  await writeFile(file, text);
  const error = await refusal(() => loadConfig(file, { env }), "CONFIG_INVALID");
  const lines = error.message.split("\n").slice(1).map((line) => line.replace(/^\s*- /, ""));
  return { file, lines };
}

async function mappingProblems(text: string): Promise<{ file: string; lines: string[] }> {
  const dir = await tempDir("pbsync-mapmsg-");
  const file = path.join(dir, "crm.yaml");
  await writeFile(file, text);
  const error = await refusal(() => loadMapping(file), "MAPPING_INVALID");
  return { file, lines: error.message.split("\n") };
}

async function refusal(load: () => Promise<unknown>, code: "CONFIG_INVALID" | "MAPPING_INVALID"): Promise<SyncError> {
  try {
    await load();
  } catch (err) {
    if (isSyncError(err, code)) return err;
    throw err;
  }
  throw new Error("expected the file to be refused");
}

describe("configuration problems point at the key at fault", () => {
  it("reports a missing pbx.token on the pbx: line, where it is missing", async () => {
    const { file, lines } = await configProblems(`# the PBX
pbx:
  url: https://pbx.example.com
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./c.csv }
    mapping: ./m.yaml
`);
    expect(lines).toEqual([`${file}:2: pbx.token: is required`]);
  });

  it("reports a misspelt key of a job on its own line, with the key it resembles, and not the key as missing", async () => {
    const { file, lines } = await configProblems(`pbx:
  url: https://pbx.example.com
  token: \${VOISPEED_TOKEN}
jobs:
  - name: crm
    appName: CRM
    source:
      type: csv
      path: ./c.csv
    mappping: ./m.yaml
`);
    expect(lines).toEqual([`${file}:10: jobs[0]: unknown option mappping (did you mean "mapping"?)`]);
  });

  it("answers typos at every level: pbx, defaults, a job's source, the top-level sections", async () => {
    const { file, lines } = await configProblems(`pbx:
  url: https://pbx.example.com
  tokn: \${VOISPEED_TOKEN}
defaults:
  batchsize: 100
notifcations:
  webhook: { url: https://hooks.example.com/x }
job:
  - name: crm
`);
    expect(lines).toEqual([
      `${file}:3: pbx: unknown option tokn (did you mean "token"?)`,
      `${file}:5: defaults: unknown option batchsize (did you mean "batchSize"?)`,
      `${file}:6: (top): unknown option notifcations (did you mean "notifications"?)`,
      `${file}:8: (top): unknown option job (did you mean "jobs"?)`,
    ]);
  });

  it("says where a key written at the wrong level belongs", async () => {
    const { file, lines } = await configProblems(`pbx:
  url: https://pbx.example.com
  token: \${VOISPEED_TOKEN}
  batchSize: 100
level: debug
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./c.csv, delimeter: ";" }
    mapping: ./m.yaml
`);
    expect(lines).toEqual([
      `${file}:4: pbx: unknown option batchSize ("batchSize" belongs under defaults: or jobs[]:; keys here: url, token, timeoutMs, caFile, extInfoEncoding, connections, embedded)`,
      `${file}:5: (top): unknown option level ("level" belongs under log:)`,
      `${file}:9: jobs[0].source: unknown option delimeter (did you mean "delimiter"?)`,
    ]);
  });

  it("points at the key, not at its block value on the next line", async () => {
    const { file, lines } = await configProblems(`pbx:
  url: https://pbx.example.com
  token: \${VOISPEED_TOKEN}
jobs:
  - name: crm
    appName: CRM
    sourc:
      type: csv
      path: ./c.csv
    mapping: ./m.yaml
`);
    expect(lines).toEqual([`${file}:7: jobs[0]: unknown option sourc (did you mean "source"?)`]);
  });
});

describe("the PBX token is checked as the client will check it", () => {
  const CONFIG = `pbx:
  url: https://pbx.example.com
  token: \${VOISPEED_TOKEN}
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./c.csv }
    mapping: ./m.yaml
`;

  it("refuses a token with white space around it after interpolation, without quoting it", async () => {
    const { file, lines } = await configProblems(CONFIG, { VOISPEED_TOKEN: "secret-token-42\n" });
    expect(lines).toEqual([
      `${file}:3: pbx.token: the PBX token starts or ends with white space (a newline from a file or a copy and paste?): remove it`,
    ]);
    expect(lines.join("\n")).not.toContain("secret-token-42");
  });

  it("refuses a token shorter than 8 characters, and takes one of 8", async () => {
    const { file, lines } = await configProblems(CONFIG, { VOISPEED_TOKEN: "abc1234" });
    expect(lines).toEqual([`${file}:3: pbx.token: the PBX token is too short: use the integration module's token (at least 8 characters)`]);
    const dir = await tempDir("pbsync-cfgmsg-");
    await writeFile(path.join(dir, "config.yaml"), CONFIG);
    const config = await loadConfig(path.join(dir, "config.yaml"), { env: { VOISPEED_TOKEN: "abcd1234" } });
    expect(config.pbx.token).toBe("abcd1234");
  });
});

describe("log levels", () => {
  it("are the same for log.level and every command's --log-level", () => {
    for (const command of [syncCommand(), daemonCommand(), serveCommand()]) {
      const option = command.options.find((candidate) => candidate.long === "--log-level");
      expect(option?.argChoices, command.name()).toEqual([...LOG_LEVELS]);
    }
    const base = { pbx: { url: "embedded", token: TOKEN }, jobs: [{ name: "a", appName: "A", source: { type: "csv" }, mapping: "m" }] };
    for (const level of LOG_LEVELS) expect(configSchema.safeParse({ ...base, log: { level } }).success, level).toBe(true);
    expect(configSchema.safeParse({ ...base, log: { level: "verbose" } }).success).toBe(false);
  });
});

describe("mapping problems point at the key at fault, with the keys valid at its level", () => {
  it('says a field name written at the top level belongs under fields:, not "did you mean" itself', async () => {
    const { file, lines } = await mappingProblems(`${MAPPING}surname: last\n`);
    expect(lines).toEqual([`${file}:6: surname: unknown key "surname" ("surname" belongs under fields:)`]);
  });

  it("names the keys valid under fields: for a key that belongs elsewhere", async () => {
    const { file, lines } = await mappingProblems(`${MAPPING}  field: x\n`);
    expect(lines).toEqual([
      `${file}:6: fields.field: unknown key "field" ("field" belongs under skip[].when:; keys here: name, surname, company, email)`,
    ]);
  });

  it("answers a typo with a key of its own level, deep in the file, on the typo's line", async () => {
    const text = `${MAPPING}extInfo:\n  - caption: Agent\n    form: agent\n    format:\n      currncy: EUR\n`;
    const { file, lines } = await mappingProblems(text);
    expect(lines).toEqual([
      `${file}:8: extInfo[0].form: unknown key "form" (did you mean "from"?)`,
      `${file}:10: extInfo[0].format.currncy: unknown key "currncy" (did you mean "currency"?)`,
    ]);
  });

  it("reports a misspelt required key once, as the misspelling", async () => {
    const { file, lines } = await mappingProblems(MAPPING.replace("externalId: id", "externalID: id"));
    expect(lines).toEqual([`${file}:2: externalID: unknown key "externalID" (did you mean "externalId"?)`]);
  });

  it("reports a key missing from a list item on the item's first line", async () => {
    const { file, lines } = await mappingProblems(`${MAPPING}extInfo:\n  - from: agent\n`);
    expect(lines).toEqual([`${file}:7: extInfo[0].caption: required: the caption the operator sees beside the value`]);
  });
});

describe("validate refuses what a run would refuse, every problem at once", () => {
  it("exits 2 listing a short token, a bad cron expression and a bad time zone together", async () => {
    const dir = await tempDir("pbsync-validate-");
    await writeFile(path.join(dir, "m.yaml"), MAPPING);
    await writeFile(path.join(dir, "c.csv"), "id,first\n1,Ada\n");
    const config = path.join(dir, "config.yaml");
    await writeFile(
      config,
      `pbx:
  url: embedded
  token: \${VOISPEED_TOKEN}
log:
  level: fatal
defaults:
  timezone: Europe/Rom
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./c.csv }
    mapping: ./m.yaml
    schedule: "61 2 * * *"
`,
    );
    const bad = await runCli(["validate", "--config", config], { env: { VOISPEED_TOKEN: "short" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("has 3 problems:");
    expect(bad.stderr).toContain(`${config}:3: pbx.token: the PBX token is too short`);
    expect(bad.stderr).toContain(`${config}:7: defaults.timezone: unknown time zone "Europe/Rom"`);
    expect(bad.stderr).toContain(`${config}:13: jobs[0].schedule: invalid cron expression "61 2 * * *"`);
    expect(bad.stderr).not.toContain("short\n");

    const fixed = (await readFile(config, "utf8")).replace("Europe/Rom", "Europe/Rome").replace("61 2", "0 2");
    await writeFile(config, fixed);
    const good = await runCli(["validate", "--config", config], { env: { VOISPEED_TOKEN: "long-enough-token" } });
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
  });

  it("lists a caFile the PBX client cannot use with the mapping's problems, exit 2", async () => {
    const dir = await tempDir("pbsync-validate-");
    await writeFile(path.join(dir, "m.yaml"), MAPPING.replace("name: first", "name: frist"));
    await writeFile(path.join(dir, "c.csv"), "id,first\n1,Ada\n");
    await writeFile(path.join(dir, "ca.pem"), "not a certificate\n");
    const config = path.join(dir, "config.yaml");
    await writeFile(
      config,
      `pbx: { url: https://pbx.example.com, token: "\${VOISPEED_TOKEN}", caFile: ./ca.pem }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./c.csv }
    mapping: ./m.yaml
`,
    );
    const result = await runCli(["validate", "--config", config], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("has 2 problems:");
    expect(result.stderr).toContain(`${config}: pbx.caFile: caFile "${path.join(dir, "ca.pem")}" holds no PEM certificate`);
    expect(result.stderr).toContain(`m.yaml:5: fields.name.from: no column "frist" in the source (did you mean "first"?)`);
  });
});
