// Shared set-up of the e2e status tests: a config folder whose PBX token comes from VOISPEED_TOKEN, and what the store recorded.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { HEADER, MAPPING, row } from "../helpers/sync-env.js";
import { deadPort } from "../helpers/ports.js";
import { tempDir } from "../helpers/temp.js";

export interface StatusSetup {
  dir: string;
  configFile: string;
  storeFile: string;
  writeSource(count: number): Promise<void>;
}

/** A config for the PBX at `url` (token from VOISPEED_TOKEN), batches of 100, quick retries, a SQLite store of its own. */
export async function statusSetup(url: string): Promise<StatusSetup> {
  const dir = await tempDir("pbsync-status-");
  await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
  const configFile = path.join(dir, "config.yaml");
  await writeFile(
    configFile,
    `pbx:
  url: ${url}
  token: \${VOISPEED_TOKEN}
store: { client: sqlite, filename: ./store.sqlite }
defaults: { batchSize: 100, retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
`,
  );
  const setup: StatusSetup = {
    dir,
    configFile,
    storeFile: path.join(dir, "store.sqlite"),
    async writeSource(count) {
      await writeFile(path.join(dir, "contacts.csv"), `${[HEADER, ...Array.from({ length: count }, (_, i) => row(i + 1))].join("\n")}\n`);
    },
  };
  await setup.writeSource(20);
  return setup;
}

export { latestRun } from "../helpers/store-runs.js";

/** The URL of an endpoint on a loopback port where nothing listens (a server was there a moment ago). */
export async function deadPbxUrl(): Promise<string> {
  return `http://127.0.0.1:${await deadPort()}/PBX/seri_endpoint.php`;
}

/** Resolves once the emulator has answered a request of `service` after log position `from`. */
export async function waitForRequest(emulator: RunningEmulator, service: string, from: number, count = 1): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (emulator.requestLog.slice(from).filter((entry) => entry.service === service).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} ${service} requests within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Contacts the emulator took in the phonebook_import_sync requests it answered after `from`. */
export function importedSince(emulator: RunningEmulator, from: number): number {
  return emulator.requestLog
    .slice(from)
    .filter((entry) => entry.service === "phonebook_import_sync" && entry.outcome === "ok")
    .reduce((sum, entry) => sum + (entry.contacts ?? 0), 0);
}
