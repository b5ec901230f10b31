// A sync set-up for tests: the emulator on loopback, a temp dir with a CSV, a mapping, a config and a SQLite store.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { runSync, type SyncRunOptions } from "../../src/cli/sync-runner.js";
import { parseConfig, type AppConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/logger.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import type { ContactResultRow, RunRow } from "../../src/store/index.js";
import type { RunSummary } from "../../src/sync/run-job.js";
import { tempDir } from "./temp.js";
import { latestRunWithRows } from "./store-runs.js";

export const HEADER = "id,name,company,phone,credit";
export const MAPPING = `version: 1
externalId: id
defaultCountry: IT
fields:
  name: name
  company: company
numbers:
  numoffice: phone
extInfo:
  - caption: Credit
    from: credit
`;

/** Row i of the standard test source. */
export function row(i: number, company = `Company ${i}`): string {
  return `${i},Name ${i},${company},0733 ${String(100000 + i)},${i * 10}`;
}

export function rows(count: number): string[] {
  return Array.from({ length: count }, (_, i) => row(i + 1));
}

export interface SyncEnv {
  dir: string;
  emulator: RunningEmulator;
  token: string;
  configFile: string;
  writeSource(lines: readonly string[] | string | Buffer): Promise<void>;
  writeMapping(text: string): Promise<void>;
  config(deletions?: string): AppConfig;
  sync(options?: SyncRunOptions & { deletions?: string }): Promise<{ summary: RunSummary; output: string }>;
  latest(): Promise<{ run: RunRow; rows: ContactResultRow[] }>;
  close(): Promise<void>;
}

export async function syncEnv(token: string): Promise<SyncEnv> {
  const dir = await tempDir();
  const emulator = await startEmulator({ port: 0, token });
  const source = path.join(dir, "contacts.csv");
  const mapping = path.join(dir, "mapping.yaml");
  await writeFile(mapping, MAPPING);
  const configFile = path.join(dir, "config.yaml");
  const configText = (deletions = "") => `pbx:
  url: ${emulator.url}
  token: ${token}
store: { client: sqlite, filename: ./store.sqlite }
defaults: { retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
${deletions}`;
  await writeFile(configFile, configText());
  const env: SyncEnv = {
    dir,
    emulator,
    token,
    configFile,
    async writeSource(lines) {
      await writeFile(source, typeof lines === "string" || Buffer.isBuffer(lines) ? lines : `${[HEADER, ...lines].join("\n")}\n`);
    },
    async writeMapping(text) {
      await writeFile(mapping, text);
    },
    config(deletions) {
      return parseConfig(configText(deletions), configFile);
    },
    async sync(options = {}) {
      let output = "";
      const out = new Writable({
        write(chunk: Buffer, _encoding, done) {
          output += chunk.toString();
          done();
        },
      });
      const [summary] = await runSync(env.config(options.deletions), { out, logger: silentLogger, ...options });
      if (!summary) throw new Error("no run");
      return { summary, output };
    },
    latest: () => latestRunWithRows(path.join(dir, "store.sqlite")),
    close: () => emulator.close(),
  };
  return env;
}
