// A MariaDB store killed in the middle of a run: the run ends failed without crashing the process, and after a restart the next run takes over.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import knexFactory from "knex";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSync } from "../../src/cli/sync-runner.js";
import { parseConfig, type AppConfig } from "../../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { silentLogger } from "../../src/logger.js";
import { startRestartableMariaDb, type RestartableDbServer } from "../helpers/db-servers.js";
import { HEADER, MAPPING, row } from "../helpers/sync-env.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-MARIADB-DOWN-91f3";
const COUNT = 2_000;
const DATABASE = "pbsync_store_down";

// A server of this file's own: killing the shared one would break the other SQL tests. One that cannot start fails the file.
let mariadb: RestartableDbServer | undefined;
let emulator: RunningEmulator;
let config: AppConfig;
beforeAll(async () => {
  mariadb = await startRestartableMariaDb();
  const { server } = mariadb;
  const admin = knexFactory({ client: "mysql2", connection: { host: server.host, port: server.port, user: server.user, password: server.password }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.destroy();
  }
  emulator = await startEmulator({ port: 0, token: TOKEN });
  const dir = await tempDir();
  await writeFile(path.join(dir, "mapping.yaml"), MAPPING);
  await writeFile(path.join(dir, "contacts.csv"), `${[HEADER, ...Array.from({ length: COUNT }, (_, i) => row(i + 1))].join("\n")}\n`);
  const text = `pbx: { url: "${emulator.url}", token: ${TOKEN} }
store: { client: mysql, connection: { host: "${server.host}", port: ${server.port}, user: ${server.user}, password: "${server.password}", database: ${DATABASE} } }
defaults: { batchSize: 100, retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 } }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./contacts.csv }
    mapping: ./mapping.yaml
`;
  config = parseConfig(text, path.join(dir, "config.yaml"));
}, 180_000);
afterAll(async () => {
  await emulator?.close();
  await mariadb?.stop();
});

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/** Reads the store's tables directly, on a connection of its own. */
async function query<T>(work: (db: knexFactory.Knex) => Promise<T>): Promise<T> {
  const { server } = mariadb ?? {};
  if (!server) throw new Error("no server");
  const db = knexFactory({ client: "mysql2", connection: { host: server.host, port: server.port, user: server.user, password: server.password, database: DATABASE }, pool: { min: 0, max: 1 } });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function waitForImport(from: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!emulator.requestLog.slice(from).some((entry) => entry.service === "phonebook_import_sync")) {
    if (Date.now() > deadline) throw new Error("no phonebook_import_sync request within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a MariaDB store that dies during a run", () => {
  it(
    "ends the run failed STORE_FAILED in bounded time, and after a restart the next run takes the lock at once, ends the old run and converges",
    async () => {
      const server = mariadb;
      if (!server) throw new Error("no server");
      emulator.faults.add({ service: "phonebook_import_sync", delayMs: 300, times: 1_000 });
      const from = emulator.requestLog.length;
      const started = Date.now();
      const running = runSync(config, { full: true, out: discard(), logger: silentLogger });
      await waitForImport(from);
      await server.kill("SIGKILL");
      const [summary] = await running;
      const tookMs = Date.now() - started;

      expect(unhandled).toEqual([]);
      expect(summary?.status).toBe("failed");
      expect(summary?.error).toMatch(/STORE_FAILED/);
      // The end of the run could not be written either: the summary says so.
      expect(summary?.recordError).toMatch(/STORE_FAILED/);
      // Its own retries (about 4 s) and runSync's (about 7 s), not a pool timeout per query.
      expect(tookMs).toBeLessThan(40_000);
      expect(emulator.phonebook.count()).toBeLessThan(COUNT);

      emulator.faults.clear();
      await server.restart();
      // The release failed while the server was down: the lock row still names this very process.
      const locks = (await query((db) => db("job_locks").select("pid"))) as Array<{ pid: number }>;
      expect(locks.map((lock) => Number(lock.pid))).toEqual([process.pid]);

      const againStarted = Date.now();
      const [again] = await runSync(config, { out: discard(), logger: silentLogger });
      expect(Date.now() - againStarted).toBeLessThan(30_000);
      expect(again).toMatchObject({ status: "success", error: null, recordError: null });
      expect(unhandled).toEqual([]);

      const runs = (await query((db) => db("runs").select("id", "status", "error").orderBy("id"))) as Array<{ id: number; status: string; error: string | null }>;
      expect(runs.map((run) => run.status)).toEqual([expect.stringMatching(/^(aborted|failed)$/), "success"]);
      expect(Number(runs[0]?.id)).toBe(summary?.runId);
      expect(await query((db) => db("job_locks").select())).toEqual([]);

      const stored = emulator.phonebook.all().filter((contact) => contact.uc_app_name === "CRM");
      const ids = stored.map((contact) => Number(contact.uc_external_id)).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
      for (const contact of stored) expect(contact.name).toBe(`Name ${String(contact.uc_external_id)}`);
    },
    150_000,
  );
});
