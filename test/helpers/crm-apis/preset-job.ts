// A REST preset synced for real: the emulator, a temp dir with a copy of mappings/<preset>.yaml, a job whose source
// is `{ type: rest, baseUrl: <fake API> }` plus what a test adds, and runSync with the token in the env it passes.
import { copyFile, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { runSync, type SyncRunOptions } from "../../../src/cli/sync-runner.js";
import { parseConfig } from "../../../src/config/index.js";
import { startEmulator, type RunningEmulator, type StoredContact } from "../../../src/emulator/index.js";
import { createLogger } from "../../../src/logger.js";
import type { RunSummary } from "../../../src/sync/run-job.js";
import { ROOT } from "../cli.js";
import { tempDir } from "../temp.js";

const PBX_TOKEN = "tok-RESTPRESET-7c1f";

export interface PresetRun {
  summary: RunSummary;
  /** The summary as the CLI prints it. */
  output: string;
  /** Every log line of the run (debug level), as JSON lines. */
  logs: string;
}

export interface PresetJob {
  dir: string;
  emulator: RunningEmulator;
  /** One run of the job; `source` settings are added to (and win over) `{ type: rest, baseUrl }`. */
  sync(source?: Record<string, unknown>, options?: SyncRunOptions): Promise<PresetRun>;
  /** The job's contacts on the PBX, by external id. */
  contacts(): Map<string, StoredContact>;
  /** The store's files (database, WAL), as text: a test looks for what must never be stored. */
  storeText(): Promise<string>;
  close(): Promise<void>;
}

export interface PresetJobOptions {
  /** The file in mappings/, without .yaml. */
  preset: string;
  appName: string;
  baseUrl: string;
  /** The environment the configuration is read with: the token variables. */
  env: Record<string, string>;
}

export async function presetJob(options: PresetJobOptions): Promise<PresetJob> {
  const dir = await tempDir(`pbsync-${options.preset}-`);
  const emulator = await startEmulator({ port: 0, token: PBX_TOKEN });
  const mapping = `${options.preset}.yaml`;
  await copyFile(path.join(ROOT, "mappings", mapping), path.join(dir, mapping));
  const configFile = path.join(dir, "config.yaml");
  const configText = (source: Record<string, unknown>) => `pbx: { url: "${emulator.url}", token: ${PBX_TOKEN} }
store: { client: sqlite, filename: ./store.sqlite }
defaults: { retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: crm
    appName: ${options.appName}
    source: ${JSON.stringify({ type: "rest", baseUrl: options.baseUrl, ...source })}
    mapping: ./${mapping}
`;
  return {
    dir,
    emulator,
    async sync(source = {}, runOptions = {}) {
      const output = new Collector();
      const logs = new Collector();
      const config = parseConfig(configText(source), configFile, { env: options.env });
      const [summary] = await runSync(config, { out: output, logger: createLogger({ level: "debug", destination: logs }), ...runOptions });
      if (!summary) throw new Error("no run");
      return { summary, output: output.text, logs: logs.text };
    },
    contacts() {
      return new Map(emulator.phonebook.all().flatMap((c) => (c.uc_app_name === options.appName && c.uc_external_id !== null ? [[c.uc_external_id, c] as const] : [])));
    },
    async storeText() {
      const files = (await readdir(dir)).filter((name) => name.startsWith("store.sqlite"));
      const texts = await Promise.all(files.map((name) => readFile(path.join(dir, name), "latin1")));
      return texts.join("\n");
    },
    close: () => emulator.close(),
  };
}

/** A writable that keeps what it is given. */
class Collector extends Writable {
  text = "";

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
