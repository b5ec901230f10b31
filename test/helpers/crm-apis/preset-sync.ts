// Syncing a REST preset (mappings/*.yaml with a source: block) into the emulator, in-process with runSync: the
// job's source gives only what points it at a fake API; every run's output, logs and error are kept, so a test
// can look for secrets in them.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { clearTokenCache } from "../../../connectors/rest-auth.js";
import { runSync } from "../../../src/cli/sync-runner.js";
import { parseConfig } from "../../../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import type { StoredContact } from "../../../src/emulator/types.js";
import { createLogger } from "../../../src/logger.js";
import type { RunSummary } from "../../../src/sync/run-types.js";
import { ROOT } from "../cli.js";
import { tempDir } from "../temp.js";

export interface PresetRun {
  summary: RunSummary;
  /** What `sync` prints. */
  output: string;
  /** The JSON log lines, at debug level. */
  logs: string;
}

export interface PresetEnv {
  emulator: RunningEmulator;
  dir: string;
  /**
   * One run of the job. `source` is the YAML of the job's source block (indented by the caller's choice);
   * `env` the variables the configuration and the preset's source: block refer to.
   */
  sync(options?: { env?: Record<string, string>; source?: string }): Promise<PresetRun>;
  /** The PBX's contacts of the job's app. */
  contacts(): StoredContact[];
  /** Everything the runs printed, logged and reported as their error, so far. */
  said(): string;
  /** The store's files (the database and its journal), as text. */
  storeText(): Promise<string>;
  close(): Promise<void>;
}

const PBX_TOKEN = "tok-REST-PRESET-71c3";

export async function presetEnv(options: { app: string; preset: string; source: string; env: Record<string, string> }): Promise<PresetEnv> {
  const emulator = await startEmulator({ port: 0, token: PBX_TOKEN });
  const dir = await tempDir("pbsync-rest-preset-");
  const said: string[] = [];
  const configText = (source: string) => `pbx: { url: "${emulator.url}", token: ${PBX_TOKEN} }
store: { client: sqlite, filename: ./store.sqlite }
defaults: { retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: ${options.app.toLowerCase()}
    appName: ${options.app}
    source:
${source.replace(/^/gm, "      ")}
    mapping: ${path.join(ROOT, "mappings", `${options.preset}.yaml`)}
`;
  return {
    emulator,
    dir,
    async sync(run = {}) {
      const config = parseConfig(configText(run.source ?? options.source), path.join(dir, "config.yaml"), { env: run.env ?? options.env });
      let output = "";
      let logs = "";
      const out = collector((text) => (output += text));
      const logger = createLogger({ level: "debug", destination: collector((text) => (logs += text)) });
      const [summary] = await runSync(config, { out, logger });
      if (!summary) throw new Error("no run");
      said.push(output, logs, summary.error ?? "");
      return { summary, output, logs };
    },
    contacts: () => emulator.phonebook.all().filter((contact) => contact.uc_app_name === options.app),
    said: () => said.join("\n"),
    async storeText() {
      const files = (await readdir(dir)).filter((name) => name.startsWith("store.sqlite"));
      const texts = await Promise.all(files.map((name) => readFile(path.join(dir, name), "latin1")));
      return texts.join("\n");
    },
    close: () => emulator.close(),
  };
}

/** Forget the OAuth tokens of earlier runs: the next run must log in. */
export function forgetTokens(): void {
  clearTokenCache();
}

/** The error a run logged as "source read failed" (its code, message, status), or undefined. */
export function readFailure(logs: string): unknown {
  const line = logs.split("\n").find((text) => text.includes('"msg":"source read failed"'));
  return line === undefined ? undefined : (JSON.parse(line) as { err: unknown }).err;
}

function collector(add: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      add(chunk.toString());
      done();
    },
  });
}
