// The PBX fault e2e tests' set-up: an emulator with a fault at a chosen batch, a real CLI sync, and what the user can check.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { startEmulator, type Fault, type RequestLogEntry, type RunningEmulator } from "../../src/emulator/index.js";
import type { ContactResultRow, RunRow } from "../../src/store/index.js";
import { runCli, type CliResult } from "./cli.js";
import { HEADER, MAPPING, row } from "./sync-env.js";
import { tempDir } from "./temp.js";
import { latestRunWithRows } from "./store-runs.js";

export const TOKEN = "tok-FAULTS-e2e-51c9";
const APP_NAME = "CRM";
const SERVICE = "phonebook_import_sync";

/** The retry settings every fault run uses: 3 tries, 50 ms doubling up to 400 ms (so 50-ish, then 100-ish). */
export const RETRY = { attempts: 3, minDelayMs: 50, maxDelayMs: 400 } as const;

export interface FaultSetupOptions {
  /** Default 300: source records, ids "1".."N". */
  contacts?: number;
  /** Default 50. */
  batchSize?: number;
  /** Default 1000 ms, the least the config allows: a held answer costs a second, not thirty. */
  timeoutMs?: number;
}

/** What one CLI sync left behind: the process, the run and its report rows, what the PBX saw and the client logged. */
export interface SyncOutcome {
  cli: CliResult;
  run: RunRow;
  rows: ContactResultRow[];
  /** The phonebook_import_sync requests the emulator received during the run (the first try of each batch and every retry). */
  imports: RequestLogEntry[];
  /** The client's "batch failed, retrying" log lines, in order. */
  retries: Array<{ attempt: number; delayMs: number; code: string }>;
}

export interface FaultSetup {
  emulator: RunningEmulator;
  /** The source's external ids, in source order. */
  ids: string[];
  batchSize: number;
  /** Queues a fault for phonebook_import_sync that first lets `batch - 1` requests through: with one batch in flight, it hits that batch. */
  faultAt(batch: number, fault: Fault): void;
  /** The external ids of batch n (1-based), as the batcher cuts the source. */
  batchIds(batch: number): string[];
  /** One `phonebook-sync sync` as a real process, JSON log at warn on stderr. */
  sync(): Promise<SyncOutcome>;
  close(): Promise<void>;
}

/** An emulator of its own, a CSV of `contacts` records, a mapping, a config (one batch at a time, quick retries) and a SQLite store. */
export async function faultSetup(options: FaultSetupOptions = {}): Promise<FaultSetup> {
  const count = options.contacts ?? 300;
  const batchSize = options.batchSize ?? 50;
  const emulator = await startEmulator({ port: 0, token: TOKEN });
  const dir = await tempDir("pbsync-faults-");
  const ids = Array.from({ length: count }, (_, i) => String(i + 1));
  await writeFile(path.join(dir, "contacts.csv"), `${[HEADER, ...ids.map((_, i) => row(i + 1))].join("\n")}\n`);
  await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
  const configFile = path.join(dir, "config.yaml");
  await writeFile(
    configFile,
    `pbx:
  url: ${emulator.url}
  token: \${VOISPEED_TOKEN}
  timeoutMs: ${options.timeoutMs ?? 1_000}
store: { client: sqlite, filename: ./store.sqlite }
defaults:
  batchSize: ${batchSize}
  concurrency: 1
  retry: { attempts: ${RETRY.attempts}, minDelayMs: ${RETRY.minDelayMs}, maxDelayMs: ${RETRY.maxDelayMs} }
jobs:
  - name: crm
    appName: ${APP_NAME}
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
`,
  );
  const storeFile = path.join(dir, "store.sqlite");
  return {
    emulator,
    ids,
    batchSize,
    faultAt(batch, fault) {
      emulator.faults.add({ service: SERVICE, after: batch - 1, ...fault });
    },
    batchIds: (batch) => ids.slice((batch - 1) * batchSize, batch * batchSize),
    async sync() {
      const from = emulator.requestLog.length;
      const cli = await runCli(["sync", "--config", configFile, "--plain", "--log-level", "warn"], { env: { VOISPEED_TOKEN: TOKEN }, timeoutMs: 60_000 });
      const { run, rows } = await latest(storeFile);
      const imports = emulator.requestLog.slice(from).filter((entry) => entry.service === SERVICE);
      return { cli, run, rows, imports, retries: retryLines(cli.stderr) };
    },
    close: () => emulator.close(),
  };
}

async function latest(storeFile: string): Promise<{ run: RunRow; rows: ContactResultRow[] }> {
  return latestRunWithRows(storeFile);
}

function retryLines(stderr: string): SyncOutcome["retries"] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { msg?: string; attempt?: number; delayMs?: number; err?: { code?: string } })
    .filter((line) => line.msg === "batch failed, retrying")
    .map((line) => ({ attempt: line.attempt ?? 0, delayMs: line.delayMs ?? 0, code: line.err?.code ?? "" }));
}

/** The run ended as `status` with `exitCode`, and the human summary on stdout says so. */
export function expectRun(outcome: SyncOutcome, status: RunRow["status"], exitCode: number): void {
  expect(outcome.cli.code, outcome.cli.stderr).toBe(exitCode);
  expect(outcome.run.status).toBe(status);
  expect(outcome.cli.stdout).toMatch(new RegExp(`run #${outcome.run.id} ${status}`));
}

/**
 * Nothing silently lost: every source contact has exactly one report row; a confirmed one (inserted or updated)
 * is on the PBX, any other says why. The counts agree with the rows. Returns the rows that were not confirmed.
 */
export function expectNothingLost(setup: FaultSetup, outcome: SyncOutcome): ContactResultRow[] {
  const byId = new Map<string, ContactResultRow>();
  for (const result of outcome.rows) {
    expect(result.externalId, `a report row without an external id: ${JSON.stringify(result)}`).not.toBeNull();
    expect(byId.has(result.externalId ?? ""), `two report rows for contact ${result.externalId}`).toBe(false);
    byId.set(result.externalId ?? "", result);
  }
  expect([...byId.keys()].sort()).toEqual([...setup.ids].sort());
  const lost: ContactResultRow[] = [];
  for (const id of setup.ids) {
    const result = byId.get(id);
    if (result?.action === "insert" || result?.action === "update") {
      expect(setup.emulator.phonebook.find(APP_NAME, id), `contact ${id} reported ${result.outcome} but not on the PBX`).toBeDefined();
    } else {
      expect(result?.outcome).toMatch(/^(error|unconfirmed)$/);
      expect(result?.info ?? "").not.toBe("");
      if (result) lost.push(result);
    }
  }
  const counts = outcome.run.counts;
  expect(counts.read).toBe(setup.ids.length);
  expect(counts.inserted + counts.updated).toBe(setup.ids.length - lost.length);
  expect(counts.errors).toBe(lost.filter((result) => result.outcome === "error").length);
  expect(counts.unconfirmed).toBe(lost.filter((result) => result.outcome === "unconfirmed").length);
  return lost;
}

/** The external ids of report rows, sorted as the source has them. */
export function idsOf(rows: readonly ContactResultRow[]): string[] {
  return rows.map((result) => result.externalId ?? "").sort((a, b) => Number(a) - Number(b));
}

/** The delay range the job's back-off draws from before retry `attempt` (1 = first retry): doubling, ±25% jitter. */
export function backoffRange(attempt: number, minDelayMs: number = RETRY.minDelayMs): [number, number] {
  const base = Math.min(Math.max(minDelayMs, RETRY.maxDelayMs), minDelayMs * 2 ** (attempt - 1));
  return [Math.floor(base * 0.75), Math.ceil(base * 1.25)];
}

/** The retries of one failing batch: `attempts - 1` of them, numbered 1.., each waiting longer than the one before, within the back-off. */
export function expectBackoff(retries: SyncOutcome["retries"], code: string): void {
  expect(retries.map((retry) => retry.attempt)).toEqual(Array.from({ length: RETRY.attempts - 1 }, (_, i) => i + 1));
  for (const retry of retries) {
    expect(retry.code).toBe(code);
    const [low, high] = backoffRange(retry.attempt);
    expect(retry.delayMs).toBeGreaterThanOrEqual(low);
    expect(retry.delayMs).toBeLessThanOrEqual(high);
  }
  for (let i = 1; i < retries.length; i++) expect(retries[i]?.delayMs).toBeGreaterThan(retries[i - 1]?.delayMs ?? 0);
}

/**
 * One more sync with the PBX healthy: it sends only the contacts the faulty run did not confirm, succeeds,
 * and leaves the PBX holding exactly the source's contacts, once each.
 */
export async function expectConverges(setup: FaultSetup, lost: readonly ContactResultRow[]): Promise<SyncOutcome> {
  setup.emulator.faults.clear();
  const next = await setup.sync();
  expectRun(next, "success", 0);
  expect(next.retries).toEqual([]);
  expect(next.run.counts.inserted + next.run.counts.updated).toBe(lost.length);
  expect(next.run.counts.unchanged).toBe(setup.ids.length - lost.length);
  expect(next.imports.length).toBe(Math.ceil(lost.length / setup.batchSize));
  expect(idsOf(next.rows)).toEqual(idsOf(lost));
  const stored = setup.emulator.phonebook.all().filter((contact) => contact.uc_app_name === APP_NAME);
  const storedIds = stored.map((contact) => contact.uc_external_id ?? "");
  expect(new Set(storedIds).size).toBe(storedIds.length);
  expect([...storedIds].sort()).toEqual([...setup.ids].sort());
  expect(setup.emulator.phonebook.count()).toBe(setup.ids.length);
  return next;
}
